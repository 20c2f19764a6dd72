"""The canary identity stays home when its account federates (article 7(4)).

A verified account on one node is followed from a permitted peer and
posts; the Create is delivered through the durable queue and stored by
the peer. Neither the delivered activities, the peer's documents about
the account, the logs of both nodes, nor the peer's database hold the
canary's legal name, identity number or authority subject.
"""

from __future__ import annotations

import logging
from pathlib import Path

import aiohttp
import pytest

from node.keys import DB, IDS
from storage import relationships
from storage.relationships import FollowOptions
from tests import backends
from tests.federation.nodes import follow_remote, permit, remote_account, settle, start_peers
from tests.node.test_identity_canary import CANARY_NAME, CANARY_NUMBER, CANARY_SUBJECT

CANARY = (CANARY_NAME, CANARY_NUMBER, CANARY_SUBJECT)


async def test_canary_identity_is_not_federated(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    peers = await start_peers(tmp_path, 2)
    home, peer = peers.nodes
    try:
        await permit(home, peer)
        await permit(peer, home)
        # Given a canary-verified account on home, followed by bob on the peer
        canary = await home.account("canary", verified=False)
        async with aiohttp.ClientSession() as http:
            async with http.post(home.url("/api/v1/identity/verify"), headers=canary.headers, json={
                    "attestation": home.attestation(CANARY_SUBJECT, name=CANARY_NAME, id_number=CANARY_NUMBER)}) as resp:
                assert resp.status == 200
            bob = await peer.account("bob")
            await follow_remote(peer, bob.account, canary.account)
            bob_at_home = await remote_account(home, bob.account)  # home knows bob follows the canary
            await relationships.follow(home.app[DB], home.app[IDS], bob_at_home.id, canary.account.id,
                                       FollowOptions(), as_request=False)
            async with http.patch(home.url("/api/v1/identity"), json={"show_verified": True},
                                  headers=canary.headers) as resp:
                assert resp.status == 200
            # When the canary posts and the post federates
            async with http.post(home.url("/api/v1/statuses"), json={"status": "hello peers"},
                                 headers=canary.headers) as resp:
                assert resp.status == 200
            await settle(peer, expect=1)
            async with http.get(peer.url("/api/v1/timelines/home"), headers=bob.headers) as resp:
                seen = await resp.json()
            actor = await _fetch_actor(http, home, canary.account.username)
        # Then the post arrived, and nothing anywhere holds the canary
        assert [s["content"] for s in seen if "hello peers" in s["content"]]
        delivered = [r[0] for r in await home.app[DB].fetchall("SELECT activity_json FROM deliveries")]
        assert delivered
        logs = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
        peer_db = backends.stored_bytes(peer.config.storage.target())
        for value in CANARY:
            assert not [d for d in delivered if value in d]
            assert value not in actor and value not in logs
            assert value.encode() not in peer_db
    finally:
        await peers.close()


async def _fetch_actor(http: aiohttp.ClientSession, node: object, username: str) -> str:
    async with http.get(node.url(f"/users/{username}"),  # type: ignore[attr-defined]
                        headers={"Accept": "application/activity+json"}) as resp:
        return await resp.text()
