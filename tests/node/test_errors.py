"""No 5xx for any input, and Mastodon's JSON errors everywhere (issue #13):
405 with Allow for every routed path and every method it lacks, 404 for
unknown paths, 400/422 for malformed input, details on validation errors,
and only ASCII in header URLs."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from tests.conftest import Node, Session

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def routed_paths(app: web.Application) -> dict[str, set[str]]:
    """Every path the node serves (parameters filled with a plausible value) and its methods."""
    out: dict[str, set[str]] = {}
    for resource in app.router.resources():
        if isinstance(resource, web.StaticResource):
            continue
        pattern = re.sub(r"\{_slash[^}]*\}", "", resource.canonical)
        path = re.sub(r"\{[^}]+\}", "1", pattern)
        out.setdefault(path, set()).update(r.method for r in resource if r.method != "*")
    return out


async def served_elsewhere(app: web.Application, method: str, path: str) -> bool:
    """Another route takes this method here (GET /notifications/clear is
    GET /notifications/{id}, whose answer is a 404 for that id)."""
    match = await app.router.resolve(make_mocked_request(method, path, app=app))
    return match.http_exception is None


async def test_every_routed_path_answers_405_with_allow_for_other_methods(
        node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    paths = routed_paths(node.app)
    assert len(paths) > 150  # the whole table, not a sample
    wrong = [(m, p, allowed) for p, allowed in paths.items() for m in METHODS
             if m not in allowed and not await served_elsewhere(node.app, m, p)]
    assert len(wrong) > 500
    for method, path, allowed in wrong:
        async with http.request(method, node.url(path), headers=alice.headers) as reply:
            body = await reply.json(content_type=None)
            assert reply.status == 405, (method, path, reply.status, body)
            assert body == {"error": "Method not allowed"}, (method, path)
            assert set(reply.headers["Allow"].split(", ")) >= allowed, (method, path)


@pytest.mark.parametrize("path", [
    "/api/v1/no_such_thing", "/api/v3/instance", "/oauth/nothing", "/.well-known/nothing",
    "/nodeinfo/9.9", "/users/alice/nothing/here", "/inbox/extra", "/nothing-at-all"])
async def test_unknown_paths_are_json_404(node: Node, http: aiohttp.ClientSession, path: str) -> None:
    for method in ("GET", "DELETE"):
        async with http.request(method, node.url(path)) as reply:
            assert reply.status == 404 and reply.content_type == "application/json"
            assert await reply.json() == {"error": "Not found"}


async def test_a_browser_still_gets_a_page_for_an_unknown_page(node: Node, http: aiohttp.ClientSession) -> None:
    async with http.get(node.url("/nothing-at-all"), headers={"Accept": "text/html"}) as reply:
        assert reply.status == 404 and reply.content_type != "application/json"


async def send(http: aiohttp.ClientSession, node: Node, who: Session, method: str, path: str,
               **kwargs: Any) -> tuple[int, Any]:
    async with http.request(method, node.url(path), headers={**who.headers, **kwargs.pop("headers", {})},
                            **kwargs) as reply:
        return reply.status, await reply.json(content_type=None)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/v1/statuses", b'{"status": "\\ud800"}'),
    ("PATCH", "/api/v1/accounts/update_credentials", b'{"note": "a \\udfff b"}'),
    ("POST", "/api/v1/lists", b'{"title": "\\ud83d"}'),
    ("POST", "/api/v1/lists", b'{"\\ud800": "a key too"}'),
])
async def test_lone_surrogates_in_json_are_a_400(node: Node, http: aiohttp.ClientSession, method: str,
                                                 path: str, body: bytes) -> None:
    alice = await node.account("alice")
    status, reply = await send(http, node, alice, method, path, data=body,
                               headers={"Content-Type": "application/json"})
    assert status == 400 and "lone surrogate" in reply["error"]


async def test_a_surrogate_pair_is_just_an_emoji(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    status, reply = await send(http, node, alice, "POST", "/api/v1/statuses", data=b'{"status": "\\ud83d\\ude00"}',
                               headers={"Content-Type": "application/json"})
    assert status == 200 and "\U0001F600" in reply["content"]


@pytest.mark.parametrize("path", ["/api/v1/statuses/%C2%B9", "/api/v1/accounts/%D9%A3",
                                  "/api/v1/lists/%EF%BC%91", "/api/v1/statuses/99999999999999999999999"])
async def test_ids_that_are_not_ascii_numbers_are_404(node: Node, http: aiohttp.ClientSession, path: str) -> None:
    alice = await node.account("alice")
    assert (await send(http, node, alice, "GET", path))[0] == 404


@pytest.mark.parametrize("query", [
    "max_id=99999999999999999999999999", "since_id=99999999999999999999999999",
    "min_id=99999999999999999999999999", "limit=99999999999999999999999999", "limit=%C2%B9",
    "max_id=9223372036854775808"])
async def test_huge_paging_numbers_clamp(node: Node, http: aiohttp.ClientSession, query: str) -> None:
    alice = await node.account("alice")
    for path in ("/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/notifications",
                 "/api/v1/conversations", "/api/v1/scheduled_statuses", "/api/v2/notifications"):
        status, body = await send(http, node, alice, "GET", f"{path}?{query}")
        assert status == 200 and isinstance(body, (list, dict)), (path, query, body)


async def test_huge_offsets_and_durations_never_overflow(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    huge = "9" * 30
    for path in (f"/api/v2/search?q=a&type=accounts&offset={huge}", f"/api/v1/trends/tags?offset={huge}",
                 f"/api/v1/accounts/search?q=a&offset={huge}"):
        assert (await send(http, node, alice, "GET", path))[0] in (200, 422), path
    status, body = await send(http, node, alice, "POST", "/api/v2/filters", json={
        "title": "forever", "context": ["home"], "expires_in": int(huge)})
    assert status == 422 and body["details"]["expires_in"][0]["error"] == "ERR_INVALID"
    status, body = await send(http, node, alice, "POST", "/api/v1/filters", json={
        "phrase": "x", "context": ["home"], "expires_in": int(huge)})
    assert status == 422


async def test_validation_errors_carry_details(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    status, body = await send(http, node, alice, "GET", "/api/v1/timelines/home?since_id=x")
    assert status == 422
    assert body == {"error": "Validation failed: since_id must be an id",
                    "details": {"since_id": [{"error": "ERR_INVALID", "description": "must be an id"}]}}
    status, body = await send(http, node, alice, "POST", "/api/v1/statuses", json={"status": " "})
    assert status == 422 and body["details"] == {"base": [{"error": "ERR_BLANK",
                                                             "description": "Text can't be blank"}]}


@pytest.mark.parametrize("payload", [
    b"--XX\r\nnot a header line\r\n\r\nabc\r\n--XX--\r\n",
    b"--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type\r\n\r\nabc\r\n--XX--\r\n",
])
async def test_malformed_multipart_is_a_400(node: Node, http: aiohttp.ClientSession, payload: bytes) -> None:
    alice = await node.account("alice")
    for path in ("/api/v2/media", "/api/v1/media", "/api/v1/lists"):
        status, body = await send(http, node, alice, "POST", path, data=payload,
                                  headers={"Content-Type": "multipart/form-data; boundary=XX"})
        assert status == 400 and body["error"].startswith("Malformed"), (path, body)
    status, _ = await send(http, node, alice, "POST", "/api/v2/media", data=b"x",
                           headers={"Content-Type": "multipart/form-data"})
    assert status == 400


async def test_link_headers_are_ascii(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    await send(http, node, alice, "POST", "/api/v1/statuses", json={"status": "晴 #北京天气"})
    async with http.get(node.url("/api/v1/timelines/tag/北京天气?limit=1")) as reply:
        link = reply.headers["Link"]
        assert len(await reply.json()) == 1
    assert link.isascii()
    assert "/api/v1/timelines/tag/%E5%8C%97%E4%BA%AC%E5%A4%A9%E6%B0%94?" in link
    # And the next page asks for the same tag (it is empty: one status only)
    next_url = link.split(">")[0].lstrip("<")
    async with http.get(next_url) as reply:
        assert reply.status == 200 and await reply.json() == []
