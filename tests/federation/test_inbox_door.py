"""The inbox door (issue #14): nothing unsigned is read, nothing malformed is stored.

Unsigned POSTs get 401 before the body is read; only ActivityPub media
types in UTF-8 are taken (415 otherwise, BOM and UTF-16/32 too); lone
surrogates and malformed shapes (`object.type` an object or an array)
are refused with 400, so no row the worker could choke on is stored.
"""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from federation.httpsig import sign_request
from node.keys import DB
from storage.accounts import AccountRow, find_local_account
from tests.federation.nodes import Peers, create, mutual_peers, note, signing_key


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path, 2)
    await started.nodes[1].account("bob")
    yield started
    await started.close()


async def bob_of(peers: Peers) -> AccountRow:
    bob = await find_local_account(peers.nodes[1].app[DB], "bob")
    assert bob is not None
    return bob


async def post_raw(http: aiohttp.ClientSession, peers: Peers, body: bytes,
                   content_type: str | None = "application/activity+json") -> tuple[int, Any]:
    home, peer = peers.nodes
    bob = await bob_of(peers)
    key_id, pem = await signing_key(peer, bob)
    headers = {"Content-Type": content_type} if content_type is not None else {}
    url = home.url("/inbox")
    signed = sign_request("POST", url, headers, body, key_id, pem)
    if content_type is None:
        signed.pop("Content-Type", None)
    async with http.post(url, data=body, headers=signed, skip_auto_headers=["Content-Type"]) as resp:
        return resp.status, await resp.json(content_type=None)


async def stored(peers: Peers) -> int:
    return int(await peers.nodes[0].app[DB].fetchval("SELECT count(*) FROM inbox_activities"))


async def bob_create(peers: Peers, **note_fields: Any) -> dict[str, Any]:
    bob = await bob_of(peers)
    return create(bob, note(bob, 1, **note_fields))


async def test_unsigned_post_is_401_before_the_body_is_read(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, _peer = peers.nodes
    # Given a body larger than the limit and not even JSON, unsigned
    big = b"x" * (home.config.http.max_body_bytes + 10)
    # Then the answer is 401 (not 413 or 400: the body was never read)
    async with http.post(home.url("/inbox"), data=io.BytesIO(big), headers={"Content-Type": "application/activity+json"}) as resp:
        assert resp.status == 401
    async with http.post(home.url("/inbox"), data=b"{not json") as resp:
        assert resp.status == 401
    assert await stored(peers) == 0


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", None, "application/activity+json; charset=utf-16",
    "application/xml"])
async def test_other_media_types_are_415(peers: Peers, http: aiohttp.ClientSession,
                                         content_type: str | None) -> None:
    body = json.dumps(await bob_create(peers)).encode()
    status, answer = await post_raw(http, peers, body, content_type)
    assert status == 415 and "error" in answer
    assert await stored(peers) == 0


@pytest.mark.parametrize("content_type", [
    "application/activity+json", 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
    "application/json", "application/activity+json; charset=utf-8"])
async def test_activitypub_media_types_are_taken(peers: Peers, http: aiohttp.ClientSession,
                                                 content_type: str) -> None:
    body = json.dumps(await bob_create(peers)).encode()
    status, _ = await post_raw(http, peers, body, content_type)
    assert status == 202


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-32", "utf-32-be"])
async def test_bom_and_utf16_32_bodies_are_refused(peers: Peers, http: aiohttp.ClientSession,
                                                   encoding: str) -> None:
    body = json.dumps(await bob_create(peers)).encode(encoding)
    status, _ = await post_raw(http, peers, body)
    assert status == 415
    assert await stored(peers) == 0


async def test_lone_surrogate_is_refused_not_500(peers: Peers, http: aiohttp.ClientSession) -> None:
    # Given a signed Create whose content holds the escape of a lone surrogate
    text = json.dumps(await bob_create(peers, content="<p>fake invoices \\ud800</p>"))
    body = text.replace("\\\\ud800", "\\ud800").encode()
    assert b'\\ud800' in body and b'\\\\ud800' not in body
    status, answer = await post_raw(http, peers, body)
    assert status == 400 and "surrogate" in answer["error"]
    assert await stored(peers) == 0


@pytest.mark.parametrize("bad", [
    {"object_type": {"a": "Note"}}, {"object_type": ["Note", "Article"]}, {"type": ["Create"]},
    {"content": {"text": "spam"}}, {"to": 5}, {"tag": 7}, {"contentMap": {"en": ["x"]}},
    {"sensitive": "yes"}, {"object_id": {"nested": True}}])
async def test_malformed_shapes_are_400_at_the_door(peers: Peers, http: aiohttp.ClientSession,
                                                    bad: dict[str, Any]) -> None:
    activity = await bob_create(peers)
    obj = activity["object"]
    for key, value in bad.items():
        if key == "object_type":
            obj["type"] = value
        elif key == "object_id":
            obj["id"] = value
        elif key == "type":
            activity["type"] = value
        else:
            obj[key] = value
    status, answer = await post_raw(http, peers, json.dumps(activity).encode())
    assert status == 400, answer
    assert await stored(peers) == 0
