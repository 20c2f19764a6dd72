"""The inbox refuses before storing: size, JSON, signature, key owner, permit, origin."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from federation.httpsig import sign_request
from federation.keys import generate_keypair
from federation.rfc9421 import sign_rfc9421
from node.keys import DB, IDS
from policy.permits import add_permit, validate_entry
from storage.accounts import get_private_key
from tests.federation.nodes import (
    Peers,
    create,
    follow_remote,
    note,
    permit,
    settle,
    signed_post,
    start_peers,
)


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await start_peers(tmp_path, 3)
    await permit(started.nodes[0], started.nodes[1])
    await permit(started.nodes[1], started.nodes[0])  # mutual: actor documents need a permitted signer
    yield started
    await started.close()


async def count(peers: Peers, sql: str) -> int:
    return int(await peers.nodes[0].app[DB].fetchval(sql))


async def nothing_stored(peers: Peers) -> bool:
    return (await count(peers, "SELECT count(*) FROM inbox_activities") == 0
            and await count(peers, "SELECT count(*) FROM statuses") == 0)


async def test_unpermitted_node_is_refused_and_nothing_stored(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, _peer, stranger = peers.nodes
    carol = (await stranger.account("carol")).account
    resp = await signed_post(http, home.url("/inbox"), create(carol, note(carol, 1)), stranger, carol)
    assert resp.status == 403
    assert await nothing_stored(peers)
    # not even the actor was fetched or stored
    assert await count(peers, "SELECT count(*) FROM accounts WHERE domain IS NOT NULL") == 0


async def test_permitted_create_is_stored_once(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, _ = peers.nodes
    bob = (await peer.account("bob")).account
    await follow_remote(home, (await home.account("alice")).account, bob)
    activity = create(bob, note(bob, 1))
    # When the same activity arrives twice (a redelivery or a replay)
    for _ in range(2):
        resp = await signed_post(http, home.url("/inbox"), activity, peer, bob)
        assert resp.status == 202
    # Then it is stored and processed once
    assert await settle(home) == {"done": 1}
    assert await count(peers, "SELECT count(*) FROM statuses WHERE local = 0") == 1


async def test_forged_signature(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, _ = peers.nodes
    bob = (await peer.account("bob")).account
    mallory = (await peer.account("mallory")).account
    body = json.dumps(create(bob, note(bob, 1))).encode()
    # signed with mallory's private key but naming bob's keyId
    pem = await get_private_key(peer.app[DB], mallory.id)
    assert pem
    headers = sign_request("POST", home.url("/inbox"), {"Content-Type": "application/activity+json"}, body,
                           bob.public_key_id, pem)
    async with http.post(home.url("/inbox"), data=body, headers=headers) as resp:
        assert resp.status == 401
    async with http.post(home.url("/inbox"), data=body, headers={"Content-Type": "application/activity+json"}) as resp:
        assert resp.status == 401  # unsigned
    assert await nothing_stored(peers)


async def test_key_owner_must_be_the_actor(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, _ = peers.nodes
    bob = (await peer.account("bob")).account
    mallory = (await peer.account("mallory")).account
    resp = await signed_post(http, home.url("/inbox"), create(bob, note(bob, 1)), peer, mallory)
    assert resp.status == 401
    assert await nothing_stored(peers)


async def test_digest_mismatch_and_stale_date(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, _ = peers.nodes
    bob = (await peer.account("bob")).account
    pem = await get_private_key(peer.app[DB], bob.id)
    assert pem
    body = json.dumps(create(bob, note(bob, 1))).encode()
    headers = sign_request("POST", home.url("/inbox"), {"Content-Type": "application/activity+json"}, body,
                           bob.public_key_id, pem)
    tampered = body.replace(b"hello from afar", b"buy followers now")
    async with http.post(home.url("/inbox"), data=tampered, headers=headers) as resp:
        assert resp.status == 401
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    resp = await signed_post(http, home.url("/inbox"), body, peer, bob, now=stale)
    assert resp.status == 401
    assert await nothing_stored(peers)


async def test_oversized_and_deeply_nested_bodies(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, _ = peers.nodes
    bob = (await peer.account("bob")).account
    big = b'{"type": "Create", "pad": "' + b"x" * (home.config.http.max_body_bytes + 10) + b'"}'
    resp = await signed_post(http, home.url("/inbox"), big, peer, bob)
    assert resp.status == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 65536

    async with http.post(home.url("/inbox"), data=chunks(),  # no Content-Length
                         headers={"Signature": 'keyId="x"', "Content-Type": "application/activity+json"}) as resp:
        assert resp.status == 413
    deep = b'{"a":' * 40 + b"1" + b"}" * 40
    resp = await signed_post(http, home.url("/users/nobody/inbox"), deep, peer, bob)
    assert resp.status == 404
    resp = await signed_post(http, home.url("/inbox"), deep, peer, bob)
    assert resp.status == 400
    assert await nothing_stored(peers)


async def test_cross_origin_create_is_refused(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, stranger = peers.nodes
    bob = (await peer.account("bob")).account
    carol = (await stranger.account("carol")).account
    # bob creating a Note whose id is on another host (carol's)
    forged = {**note(carol, 1), "attributedTo": bob.uri}
    activity = {**create(bob, forged), "id": f"{bob.uri}/statuses/1/activity"}
    resp = await signed_post(http, home.url("/inbox"), activity, peer, bob)
    assert resp.status == 403
    # bob creating a Note attributed to someone else on his own host
    other = {**note(bob, 2), "attributedTo": f"{bob.uri}x"}
    resp = await signed_post(http, home.url("/inbox"), create(bob, other), peer, bob)
    assert resp.status == 403
    assert await nothing_stored(peers)


async def test_declared_permit_must_match_the_registry(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, _peer, stranger = peers.nodes
    # Given the registry holds another number than the one the stranger declares in NodeInfo
    entry = validate_entry(stranger.config.node.domain, "京ICP备99999999号-1")
    await add_permit(home.app[DB], home.app[IDS], entry)
    carol = (await stranger.account("carol")).account
    resp = await signed_post(http, home.url("/inbox"), create(carol, note(carol, 1)), stranger, carol)
    assert resp.status == 403
    assert await nothing_stored(peers)


async def test_rfc9421_signed_post_is_accepted(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, _ = peers.nodes
    bob = (await peer.account("bob")).account
    body = json.dumps(create(bob, note(bob, 1))).encode()
    pem = await get_private_key(peer.app[DB], bob.id)
    assert pem
    url = home.url("/inbox")
    headers = sign_rfc9421("POST", url, {"Content-Type": "application/activity+json"}, body, bob.public_key_id, pem)
    async with http.post(url, data=body, headers=headers) as resp:
        assert resp.status == 202


async def test_rotated_key_is_refetched_once(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, _ = peers.nodes
    bob = (await peer.account("bob")).account
    first = create(bob, note(bob, 1))
    assert (await signed_post(http, home.url("/inbox"), first, peer, bob)).status == 202
    # When bob's node rotates his key (same keyId), the cached one no longer verifies
    private, public = generate_keypair()
    await peer.app[DB].execute("UPDATE accounts SET private_key_pem = ?, public_key_pem = ? WHERE id = ?",
                               (private, public, bob.id))
    second = create(bob, note(bob, 2))
    assert (await signed_post(http, home.url("/inbox"), second, peer, bob)).status == 202
