"""Revoking or suspending a permit cuts the ties with the peer; restoring it
brings them back (policy/permit_effects.py through the admin API)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from federation.delivery import DELIVERY_QUEUE
from node.keys import DB, IDS
from policy import permits
from policy.permit_effects import effect_of
from policy.permits import PermitChange, PermitEntry
from storage import deliveries as store
from tests.conftest import Node, Session, start_node
from tests.federation.test_delivery_support import (
    PERMIT_NUMBER,
    Receiver,
    add_follow,
    remote_account,
)


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[Node]:
    n, runner = await start_node(tmp_path / "node")
    yield n
    await runner.cleanup()


def _entry(status: str) -> PermitEntry:
    return permits.validate_entry("peer.example.cn", PERMIT_NUMBER, status=status)


def test_which_changes_restrict_and_which_restore() -> None:
    active, revoked, suspended = _entry("active"), _entry("revoked"), _entry("suspended")
    assert effect_of(PermitChange("revoke", "peer.example.cn", active, revoked)) == ("restrict", "revoked")
    assert effect_of(PermitChange("suspend", "peer.example.cn", active, suspended)) == ("restrict", "suspended")
    assert effect_of(PermitChange("delete", "peer.example.cn", active, None)) == ("restrict", "removed")
    assert effect_of(PermitChange("activate", "peer.example.cn", revoked, active)) == ("release", "active")
    assert effect_of(PermitChange("update", "peer.example.cn", active, active)) == ("none", "active")


async def _home(node: Node, http: aiohttp.ClientSession, who: Session) -> list[str]:
    async with http.get(node.url("/api/v1/timelines/home"), headers=who.headers) as resp:
        assert resp.status == 200
        return [s["content"] for s in await resp.json()]


async def _admin(node: Node, http: aiohttp.ClientSession, admin: Session, permit_id: int, verb: str) -> None:
    async with http.post(node.url(f"/api/v1/admin/domain_allows/{permit_id}/{verb}"), headers=admin.headers) as r:
        assert r.status == 200, await r.text()


async def _wait(predicate: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_revoke_drops_deliveries_freezes_follows_hides_content_and_restore_brings_them_back(
        node: Node) -> None:
    db, ids = node.app[DB], node.app[IDS]
    admin = await node.account("root", role="admin")
    alice = await node.account("alice")
    # Given a permitted peer (answering 503, retry in an hour) whose bob follows alice and is followed
    peer = Receiver(alice.account.public_key_pem)
    peer.respond = lambda activity: web.Response(status=503, headers={"Retry-After": "3600"})
    await peer.start()
    change = await permits.add_permit(db, ids, permits.validate_entry(peer.host, PERMIT_NUMBER))
    permit_id = (await permits.store.get_permit(db, change.host)).id  # type: ignore[union-attr]
    bob = await remote_account(db, ids, peer.host, "bob")
    await add_follow(db, ids, bob, alice.account.id)
    await add_follow(db, ids, alice.account.id, bob)
    await db.execute("INSERT INTO statuses (id, account_id, uri, content, local, created_at) VALUES (?,?,?,?,0,?)",
                     (ids.next_id(), bob, f"http://{peer.host}/users/bob/statuses/1", "<p>from bob</p>",
                      "2026-11-23T00:00:00.000Z"))
    activity = {"id": "http://x/activity/1", "type": "Create", "actor": alice.account.uri}
    await node.app[DELIVERY_QUEUE].enqueue(activity, [peer.inbox], alice.account.id)

    async def waiting() -> bool:
        [row] = await store.deliveries_of(db, activity["id"])
        return row.state == "queued" and row.last_status == 503
    await _wait(waiting)
    async with aiohttp.ClientSession() as http:
        assert await _home(node, http, alice) == ["<p>from bob</p>"]
        # When the permit is revoked
        await _admin(node, http, admin, permit_id, "revoke")
        # Then the waiting delivery is dropped, follows both ways are frozen, bob's posts are hidden
        [row] = await store.deliveries_of(db, activity["id"])
        assert row.state == "dropped" and "revoked" in row.last_error
        frozen = await db.fetchall("SELECT frozen FROM follows WHERE account_id IN (?, ?)", (bob, alice.account.id))
        assert [r[0] for r in frozen] == [1, 1]
        assert await _home(node, http, alice) == []
        async with http.get(node.url("/api/v1/timelines/public")) as resp:
            assert "<p>from bob</p>" not in [s["content"] for s in await resp.json()]
        # When it is activated again
        await _admin(node, http, admin, permit_id, "activate")
        # Then the follows are back (not re-created) and so is bob's content
        frozen = await db.fetchall("SELECT frozen FROM follows WHERE account_id IN (?, ?)", (bob, alice.account.id))
        assert [r[0] for r in frozen] == [0, 0]
        assert await _home(node, http, alice) == ["<p>from bob</p>"]
        assert not await store.is_restricted(db, peer.host)
    await peer.stop()
