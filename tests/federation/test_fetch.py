"""Safe fetching against a real aiohttp server on loopback playing the remote peer."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer

from federation.fetch import (
    AP_ACCEPT,
    FetchError,
    create_fetch_session,
    fetch_activitypub,
    fetch_bytes,
    is_activitystreams_type,
    parse_json_limited,
)
from federation.httpsig import request_signer, verify_request
from federation.keys import generate_keypair

AP_JSON = "application/activity+json"
LOOPBACK_ONLY = [ipaddress.ip_network("127.0.0.1/32")]
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


class StaticResolver(AbstractResolver):
    """DNS for test names: each name answers with fixed addresses."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        if host not in self.table:
            raise OSError(f"no such test name {host}")
        return [{"hostname": host, "host": address, "port": port,
                 "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST} for address in self.table[host]]

    async def close(self) -> None:
        return None


def _actor(request: web.Request, path: str = "/actor") -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "type": "Person",
            "id": str(request.url.with_path(path).with_query(None)), "preferredUsername": "alice"}


def _json(document: Any, content_type: str = AP_JSON) -> web.Response:
    return web.Response(body=json.dumps(document).encode(), headers={"Content-Type": content_type})


def _redirect(location: str) -> web.Response:
    return web.Response(status=302, headers={"Location": location})


async def actor(request: web.Request) -> web.Response:
    return _json(_actor(request))


async def redirect(request: web.Request) -> web.Response:
    return _redirect(request.query["to"].replace("PORT", str(request.url.port)))


async def chain(request: web.Request) -> web.Response:
    left = int(request.match_info["n"])
    return _redirect(f"/chain/{left - 1}") if left else _json(_actor(request, "/chain/0"))


async def big(request: web.Request) -> web.Response:
    return _json({"id": str(request.url), "padding": "x" * 2_000_000})


async def big_chunked(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": AP_JSON})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for _ in range(40):
        await response.write(b" " * 65536)
    await response.write_eof()
    return response


async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(2)
    return _json(_actor(request, "/slow"))


async def typed(request: web.Request) -> web.Response:
    return _json(_actor(request, "/typed") | {"id": str(request.url)}, request.query["type"])


async def other(request: web.Request) -> web.Response:
    return _json(_actor(request, "/actor"))  # claims to be /actor


async def deep(request: web.Request) -> web.Response:
    body = '{"id": "%s", "x": %s}' % (request.url, "[" * 40 + "]" * 40)
    return web.Response(body=body.encode(), headers={"Content-Type": AP_JSON})


async def wide(request: web.Request) -> web.Response:
    return _json({"id": str(request.url), "items": list(range(20_000))})


async def gone(request: web.Request) -> web.Response:
    return web.Response(status=410)


def peer_app(public_key: str | None = None) -> web.Application:
    async def signed(request: web.Request) -> web.Response:
        assert public_key is not None
        verify_request(request.method, request.raw_path, request.headers, await request.read(),
                       public_key)
        assert request.headers["Accept"] == AP_ACCEPT
        return _json(_actor(request, "/signed"))

    app = web.Application()
    app.router.add_routes([
        web.get("/actor", actor), web.get("/redirect", redirect), web.get("/chain/{n}", chain),
        web.get("/big", big), web.get("/big-chunked", big_chunked), web.get("/slow", slow),
        web.get("/typed", typed), web.get("/other", other), web.get("/deep", deep),
        web.get("/wide", wide), web.get("/gone", gone), web.get("/signed", signed),
    ])
    return app


@pytest.fixture
async def peer(aiohttp_server: ServerFactory) -> TestServer:
    return await aiohttp_server(peer_app())


@pytest.fixture
async def open_session() -> AsyncIterator[aiohttp.ClientSession]:
    async with create_fetch_session(allow_private_addresses=True) as session:
        yield session


async def _reason(awaitable: Awaitable[Any]) -> str:
    with pytest.raises(FetchError) as caught:
        await awaitable
    return str(caught.value.reason)


# --- ordinary fetches --------------------------------------------------------------

async def test_fetches_an_actor_and_checks_its_id(peer: TestServer, open_session: aiohttp.ClientSession) -> None:
    url = str(peer.make_url("/actor"))
    final_url, document = await fetch_activitypub(open_session, url)
    assert final_url == url and document["type"] == "Person"


async def test_follows_redirects_and_checks_id_against_the_final_url(
        peer: TestServer, open_session: aiohttp.ClientSession) -> None:
    final_url, document = await fetch_activitypub(open_session, str(peer.make_url("/chain/5")))
    assert final_url == str(peer.make_url("/chain/0")) == document["id"]
    # Given a redirect to a document that claims another id, Then it is refused
    url = str(peer.make_url("/redirect").with_query(to="/other"))
    assert await _reason(fetch_activitypub(open_session, url)) == "id_mismatch"


async def test_more_than_five_redirects_are_refused(peer: TestServer, open_session: aiohttp.ClientSession) -> None:
    assert await _reason(fetch_activitypub(open_session, str(peer.make_url("/chain/6")))) == "too_many_redirects"


async def test_redirect_to_another_scheme_is_refused(peer: TestServer, open_session: aiohttp.ClientSession) -> None:
    url = str(peer.make_url("/redirect").with_query(to="file:///etc/passwd"))
    assert await _reason(fetch_activitypub(open_session, url)) == "bad_url"
    assert await _reason(fetch_activitypub(open_session, "ftp://example.com/x")) == "bad_url"


@pytest.mark.parametrize("content_type, accepted", [
    (AP_JSON, True),
    ('application/ld+json; profile="https://www.w3.org/ns/activitystreams"', True),
    ("application/ld+json", False),
    ("application/json", False),
    ("text/html; charset=utf-8", False),
])
async def test_content_type_must_be_activitystreams(
        peer: TestServer, open_session: aiohttp.ClientSession, content_type: str, accepted: bool) -> None:
    url = str(peer.make_url("/typed").with_query(type=content_type))
    if accepted:
        assert (await fetch_activitypub(open_session, url))[0] == url
    else:
        assert await _reason(fetch_activitypub(open_session, url)) == "bad_content_type"


async def test_size_cap_stops_reading(peer: TestServer, open_session: aiohttp.ClientSession) -> None:
    assert await _reason(fetch_activitypub(open_session, str(peer.make_url("/big")))) == "too_large"
    chunked = fetch_bytes(open_session, str(peer.make_url("/big-chunked")))
    assert await _reason(chunked) == "too_large"
    small = fetch_bytes(open_session, str(peer.make_url("/actor")), max_bytes=50)
    assert await _reason(small) == "too_large"


async def test_json_depth_and_width_are_bounded(peer: TestServer, open_session: aiohttp.ClientSession) -> None:
    assert await _reason(fetch_activitypub(open_session, str(peer.make_url("/deep")))) == "bad_json"
    assert await _reason(fetch_activitypub(open_session, str(peer.make_url("/wide")))) == "bad_json"
    with pytest.raises(FetchError):
        parse_json_limited(b'{"a": NaN}')
    with pytest.raises(FetchError):
        parse_json_limited(b"[" * 100_000 + b"]" * 100_000)


async def test_http_errors_carry_the_status(peer: TestServer, open_session: aiohttp.ClientSession) -> None:
    with pytest.raises(FetchError) as caught:
        await fetch_activitypub(open_session, str(peer.make_url("/gone")))
    assert (caught.value.reason, caught.value.status) == ("http_status", 410)


async def test_slow_peer_times_out(peer: TestServer) -> None:
    async with create_fetch_session(allow_private_addresses=True, total_timeout=0.3) as session:
        assert await _reason(fetch_activitypub(session, str(peer.make_url("/slow")))) == "timeout"


async def test_signed_get_is_signed_again_on_every_hop(aiohttp_server: ServerFactory) -> None:
    private, public = generate_keypair()
    server = await aiohttp_server(peer_app(public))
    signer = request_signer("https://a.example/users/alice#main-key", private)
    async with create_fetch_session(allow_private_addresses=True) as session:
        url = str(server.make_url("/redirect").with_query(to="/signed"))
        final_url, _document = await fetch_activitypub(session, url, signer=signer)
    assert final_url == str(server.make_url("/signed"))


async def test_sessions_not_from_the_factory_are_refused(peer: TestServer) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(TypeError):
            await fetch_activitypub(session, str(peer.make_url("/actor")))


def test_activitystreams_types() -> None:
    assert is_activitystreams_type('application/ld+json;profile="x https://www.w3.org/ns/activitystreams"')
    assert not is_activitystreams_type("")


# --- refusing private addresses -------------------------------------------------------

async def test_loopback_is_refused_when_private_addresses_are_not_allowed(peer: TestServer) -> None:
    # Given the default policy, When fetching the loopback peer by address or by name
    async with create_fetch_session() as session:
        by_address = fetch_activitypub(session, str(peer.make_url("/actor")))
        assert await _reason(by_address) == "private_address"
        by_name = fetch_activitypub(session, f"http://localhost:{peer.port}/actor")
        assert await _reason(by_name) == "private_address"
        mapped = fetch_activitypub(session, f"http://[::ffff:127.0.0.1]:{peer.port}/actor")
        assert await _reason(mapped) == "private_address"


async def test_redirects_to_private_addresses_are_refused(peer: TestServer) -> None:
    # Given a session that admits only the peer's own address
    resolver = StaticResolver({"peer.test": ["127.0.0.1"], "intranet.test": ["10.0.0.1", "127.0.0.2"],
                               "mixed.test": ["127.0.0.2", "127.0.0.1"]})
    async with create_fetch_session(allow_networks=LOOPBACK_ONLY, resolver=resolver) as session:
        # the peer itself is reachable, by address and by name
        await fetch_bytes(session, str(peer.make_url("/actor")))
        await fetch_bytes(session, f"http://peer.test:{peer.port}/actor")
        # only the permitted address of a mixed answer is used
        await fetch_bytes(session, f"http://mixed.test:{peer.port}/actor")
        # When it redirects to cloud metadata, another loopback address, or a name for one
        for target in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.2:PORT/actor",
                       "http://[::1]:PORT/actor", "http://intranet.test:PORT/actor"):
            url = str(peer.make_url("/redirect").with_query(to=target))
            # Then the redirect is refused as a private address
            assert await _reason(fetch_bytes(session, url)) == "private_address", target
