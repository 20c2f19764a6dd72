"""`[http] trusted_proxies`: X-Forwarded-For is believed only from a listed
proxy, and then only its right-most address that is not a listed proxy."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from node.api import reports as report_api
from node.app import create_app
from node.bootstrap import init_node
from node.client_address import resolve
from node.config import ConfigError, load_config
from node.keys import DB
from tests.conftest import Node, write_config
from tests.node.test_oauth_authorize import parse_form

TRUSTED = ("127.0.0.1/32", "10.0.0.0/8", "fd00::/8")


def test_header_ignored_unless_the_peer_is_trusted() -> None:
    assert resolve("127.0.0.1", ["203.0.113.9"], ()) == "127.0.0.1"  # no proxy trusted
    assert resolve("198.51.100.7", ["203.0.113.9"], TRUSTED) == "198.51.100.7"  # the peer is not one
    assert resolve("", ["203.0.113.9"], TRUSTED) == ""  # no socket address (a unix socket)


@pytest.mark.parametrize(("forwarded", "expected"), [
    (["203.0.113.9"], "203.0.113.9"),
    # what the client wrote itself (left of the address the proxy saw) is never used
    (["6.6.6.6, 203.0.113.9"], "203.0.113.9"),
    # a chain of trusted proxies is walked past, from the right
    (["6.6.6.6, 203.0.113.9, 10.1.2.3"], "203.0.113.9"),
    (["6.6.6.6", "203.0.113.9, 10.1.2.3"], "203.0.113.9"),  # several headers, in order
    (["2001:db8::1, fd00::5"], "2001:db8::1"),
    (["203.0.113.9:4711"], "203.0.113.9"),
    (["[2001:db8::2]:443"], "2001:db8::2"),
    # every hop trusted: the left-most; no header: the peer; junk from a proxy: stop at that proxy
    (["10.9.9.9, 10.1.2.3"], "10.9.9.9"),
    ([], "127.0.0.1"),
    (["unknown, 10.1.2.3"], "10.1.2.3"),
])
def test_right_most_untrusted_address_behind_a_trusted_proxy(forwarded: list[str], expected: str) -> None:
    assert resolve("127.0.0.1", forwarded, TRUSTED) == expected


def test_config_default_and_refusal(tmp_path: Path) -> None:
    path = write_config(tmp_path / "a", 8081)
    assert load_config(path).http.trusted_proxies == ()
    text = path.read_text("utf-8").replace("[http]\n", '[http]\ntrusted_proxies = ["10.0.0.0/8", "::1"]\n')
    path.write_text(text, "utf-8")
    assert load_config(path).http.trusted_proxies == ("10.0.0.0/8", "::1")
    path.write_text(text.replace('"::1"', '"not-a-network"'), "utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert refused.value.key == "http.trusted_proxies[1]"
    path.write_text(text.replace('["10.0.0.0/8", "::1"]', '"10.0.0.0/8"'), "utf-8")
    with pytest.raises(ConfigError, match="must be a list"):
        load_config(path)


async def _serve(root: Path, trusted: list[str]) -> tuple[Node, web.AppRunner]:
    port = unused_port()
    path = write_config(root, port)
    listed = ", ".join(f'"{c}"' for c in trusted)
    path.write_text(path.read_text("utf-8").replace("[http]\n", f"[http]\ntrusted_proxies = [{listed}]\n"),
                    "utf-8")
    config = load_config(path)
    await init_node(config)
    app = create_app(config)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return Node(config, app, config.node.base_url), runner


@pytest.fixture(params=[False, True], ids=["direct", "behind-proxy"])
async def form_node(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[Node, bool]]:
    behind = bool(request.param)
    node, runner = await _serve(tmp_path / "node", ["127.0.0.1/32"] if behind else [])
    yield node, behind
    await runner.cleanup()


async def test_report_form_rate_limit_by_client_address(form_node: tuple[Node, bool], http: aiohttp.ClientSession,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    node, behind_proxy = form_node
    await node.account("spammer")
    monkeypatch.setattr(report_api, "MIN_FILL_SECONDS", 0.0)
    async with http.get(node.url("/report")) as resp:
        fields = parse_form(await resp.text()).fields
    data = {**fields, "target": "@spammer", "category": "spam", "comment": "spam"}

    async def send(forwarded: str) -> int:
        async with http.post(node.url("/report"), data=data, headers={"X-Forwarded-For": forwarded}) as resp:
            return resp.status

    # One client uses its whole allowance, each time claiming a new address on the left
    codes = [await send(f"198.51.100.{i}, 203.0.113.1") for i in range(report_api.FORM_LIMIT)]
    assert codes == [200] * report_api.FORM_LIMIT
    assert await send("198.51.100.99, 203.0.113.1") == 429
    # Another client behind the same proxy: its own allowance only when the proxy is trusted;
    # connecting directly, every request is the same socket peer whatever the header says
    assert await send("203.0.113.2") == (200 if behind_proxy else 429)
    hashes = {r[0] for r in await node.app[DB].fetchall("SELECT client_hash FROM report_form_hits")}
    assert len(hashes) == (2 if behind_proxy else 1)
