"""Several inbox workers on one database (issue #10, #12): claims are leases.

Two workers (two `Database` connections to the node's database, as two
processes would have) drain one queue side by side: no row is applied
twice, and each actor's Create, Update and Delete apply in the order they
came; a crashed worker's rows wait for its lease, then come back.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from federation.context import Federation
from federation import inbox_processing
from federation.inbox_processing import process_pending
from node.keys import DB, FEDERATION
from storage import inbox as store
from storage.database import Database, make_database
from storage.inbox import Outcome
from tests.federation.nodes import Peers, create, delete, follow_remote, mutual_peers, note, queue_inbound, update

ACTORS = ("bob", "carol", "dave", "erin", "frank", "grace")
STEPS = 6


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path, 2)
    yield started
    await started.close()


@pytest.fixture
async def second_db(peers: Peers) -> AsyncIterator[Database]:
    """Another connection to the home node's database: a second worker's."""
    db = make_database(peers.nodes[0].config.storage.target())
    await db.open(migrate=False)
    yield db
    await db.close()


async def _drain(fed: Federation, worker: str) -> None:
    """One worker's passes, small batches, until nothing is left to claim."""
    for _ in range(400):
        if not await process_pending(fed, limit=4, worker=worker):
            if not await fed.db.fetchval(
                    "SELECT count(*) FROM inbox_activities WHERE state IN ('received', 'processing')"):
                return
            await asyncio.sleep(0.02)  # the other worker holds what is left
    raise AssertionError("the queue did not drain")


async def test_two_workers_apply_each_row_once_and_each_actors_rows_in_order(
        peers: Peers, second_db: Database) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    actors = [await follow_remote(home, alice, (await peer.account(name)).account) for name in ACTORS]
    # Given, interleaved across six actors, each creating, editing and
    # deleting notes, posting others, and reporting alice once
    chains: list[dict[str, Any]] = []
    for step in range(STEPS):
        for n, actor in enumerate(actors):
            gone, kept = note(actor, 100 + step), note(actor, 200 + step)
            chains.append(gone)
            for activity in (create(actor, gone), create(actor, kept), update(actor, gone), delete(actor, gone)):
                await queue_inbound(home, actor, activity)
            if step == n % STEPS:
                await queue_inbound(home, actor, {"id": f"{actor.uri}#flags/{step}", "type": "Flag", "actor": actor.uri,
                                           "object": [alice.uri], "content": "fake invoices"})
    total = await home.app[DB].fetchval("SELECT count(*) FROM inbox_activities")
    # When two workers, each with its own connection, drain the queue side by side
    first = home.app[FEDERATION]
    other = dataclasses.replace(first, db=second_db)
    await asyncio.gather(_drain(first, "worker-a"), _drain(other, "worker-b"))
    # Then every row was applied, both workers took part, and each chain ran in order:
    # an Update before its Create, or a Delete before its Update, would be
    # dropped ("no such status") or leave the note standing
    states = await home.app[DB].fetchall("SELECT state, claimed_by, count(*) FROM inbox_activities"
                                         " GROUP BY state, claimed_by")
    assert {r[0] for r in states} == {"done"} and sum(r[2] for r in states) == total
    assert {r[1] for r in states} >= {"worker-a", "worker-b"}
    for gone in chains:
        row = await home.app[DB].fetchone(
            "SELECT s.deleted_at, (SELECT count(*) FROM status_edits e WHERE e.status_id = s.id)"
            " FROM statuses s WHERE s.uri = ?", (gone["id"],))
        assert row is not None and row[0] is not None and row[1] == 1, gone["id"]
    # and nothing twice: one report per Flag, one status per note
    reports = await home.app[DB].fetchall("SELECT uri, count(*) FROM reports GROUP BY uri")
    assert len(reports) == len(ACTORS) and all(r[1] == 1 for r in reports)
    assert await home.app[DB].fetchval("SELECT count(*) FROM statuses WHERE local = 0") == 2 * STEPS * len(ACTORS)
    counts = await home.app[DB].fetchall("SELECT statuses_count FROM accounts WHERE domain IS NOT NULL")
    assert sorted(r[0] for r in counts) == [STEPS] * len(ACTORS)  # twice as many created, half deleted


async def test_a_crashed_workers_rows_wait_for_its_lease_then_come_back(peers: Peers, second_db: Database) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob, carol = [await follow_remote(home, alice, (await peer.account(n)).account) for n in ("bob", "carol")]
    first = note(bob, 1)
    for activity in (create(bob, first), update(bob, first), create(carol, note(carol, 1))):
        await queue_inbound(home, bob if activity["actor"] == bob.uri else carol, activity)
    # Given a worker that claimed bob's Create, then crashed
    crashed = await store.claim_due(second_db, "crashed", limit=1)
    assert [r.actor for r in crashed] == [bob.uri]
    # When another worker makes a pass
    fed = home.app[FEDERATION]
    await process_pending(fed, worker="alive")
    # Then carol's row is applied, and none of bob's: his Update must not
    # overtake his Create, still held under the crashed worker's lease
    states = dict(await home.app[DB].fetchall("SELECT activity_id, state FROM inbox_activities"))
    assert states == {f"{first['id']}/activity": "processing", f"{first['id']}#update": "received",
                      f"{note(carol, 1)['id']}/activity": "done"}
    # When the lease runs out (the time moved on), the next pass applies bob's, in order
    await home.app[DB].execute("UPDATE inbox_activities SET lease_until = '2000-01-01T00:00:00.000Z'"
                               " WHERE claimed_by = 'crashed'")
    await process_pending(fed, worker="alive")
    rows = await home.app[DB].fetchall("SELECT state, attempts FROM inbox_activities WHERE actor = ?", (bob.uri,))
    assert sorted(tuple(r) for r in rows) == [("done", 1), ("done", 2)]  # the Create claimed twice
    edited = await home.app[DB].fetchval("SELECT content FROM statuses WHERE uri = ?", (first["id"],))
    assert edited == "<p>edited</p>"
    # and the crashed worker, should it wake, finishes nothing it no longer holds
    await store.finish(second_db, "crashed", Outcome(crashed[0].id, "failed", "late"))
    assert await home.app[DB].fetchval("SELECT state FROM inbox_activities WHERE id = ?", (crashed[0].id,)) == "done"


async def test_a_row_its_workers_keep_dying_on_is_set_aside(peers: Peers, second_db: Database) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob = await follow_remote(home, alice, (await peer.account("bob")).account)
    for number in (1, 2):
        await queue_inbound(home, bob, create(bob, note(bob, number)))
    # Given bob's first row, whose worker died while applying it, for the fifth time
    lost = await store.claim_due(second_db, "dead", limit=1)
    await home.app[DB].execute("UPDATE inbox_activities SET attempts = ?, lease_until = '2000-01-01T00:00:00.000Z'"
                               " WHERE id = ?", (store.MAX_ATTEMPTS, lost[0].id))
    # When a worker makes a pass
    await process_pending(home.app[FEDERATION], worker="alive")
    # Then that row is a dead letter saying so, and bob's next row is applied
    rows = await home.app[DB].fetchall("SELECT state, error FROM inbox_activities ORDER BY id")
    assert [r[0] for r in rows] == ["failed", "done"] and "worker stopped" in rows[0][1]


async def test_a_stopping_worker_gives_its_rows_back_at_once(peers: Peers, monkeypatch: pytest.MonkeyPatch) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob = await follow_remote(home, alice, (await peer.account("bob")).account)
    await queue_inbound(home, bob, create(bob, note(bob, 1)))
    # Given a worker that claimed the row and is still applying it
    applying = asyncio.Event()

    async def stuck(*_args: object) -> None:
        applying.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(inbox_processing, "apply_claimed", stuck)
    fed = home.app[FEDERATION]
    task = asyncio.create_task(process_pending(fed, worker="stopping"))
    await asyncio.wait_for(applying.wait(), 10)
    # When the node stops it
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Then the row is due again at once, not when the lease runs out, and the next worker applies it
    assert await home.app[DB].fetchval("SELECT state FROM inbox_activities") == "received"
    monkeypatch.undo()
    await process_pending(fed, worker="next")
    assert await home.app[DB].fetchval("SELECT state FROM inbox_activities") == "done"
