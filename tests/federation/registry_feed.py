"""An association's web server on loopback, serving whatever registry document it is given.

Documents are made the way an association makes them: `registry keygen`
and `registry publish` run as commands against the publishing node.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from tests.test_cli_permits import ok

PATH = "/registry.json"


class Feed:
    """Serves `body` at /registry.json; counts the requests."""

    def __init__(self) -> None:
        self.body = b""
        self.requests = 0
        self.port = unused_port()
        self.runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    async def _serve(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.Response(body=self.body, content_type="application/json")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(PATH, self._serve)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def feed() -> AsyncIterator[Feed]:
    served = Feed()
    await served.start()
    yield served
    await served.close()


def keygen(path: Path) -> str:
    """A publisher's key file; its public key (the last line keygen prints)."""
    return ok(path.parent / "no-config.toml", "registry", "keygen", "--out", str(path)).strip().splitlines()[-1]


def publish(config: Path, key: Path, out: Path, *extra: str) -> bytes:
    """`registry publish` as the association runs it; the document it wrote."""
    ok(config, "registry", "publish", "--key", str(key), "--out", str(out), *extra)
    return out.read_bytes()
