"""Creates of Notes applied in batches (issue #12): one bad row never holds
the batch, a reply joins a parent stored in the same batch, and an actor
not yet fetched is fetched and applied in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from federation import create_batch
from federation.inbox_processing import process_pending
from node.keys import DB, FEDERATION
from tests import backends
from tests.conftest import Node
from tests.federation.nodes import Peers, create, follow_remote, mutual_peers, note, queue_inbound, update


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path, 2)
    yield started
    await started.close()


def _refuse_inserting(home: Node, uri: str) -> None:
    """A trigger that makes the database refuse one status (as a constraint
    or a full disk might refuse a row nobody foresaw)."""
    target = home.config.storage.target()
    if target.backend == "sqlite":
        backends.raw_sql(target, f"CREATE TRIGGER refuse_one BEFORE INSERT ON statuses WHEN NEW.uri = '{uri}'"
                                 " BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END")
        return
    backends.raw_sql(
        target,
        "CREATE FUNCTION refuse_one() RETURNS trigger AS $$ BEGIN"
        f" IF NEW.uri = '{uri}' THEN RAISE EXCEPTION 'refused by the test trigger'; END IF;"
        " RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_one BEFORE INSERT ON statuses FOR EACH ROW EXECUTE FUNCTION refuse_one()")


async def test_a_row_the_database_refuses_is_set_aside_and_the_batch_is_stored(peers: Peers) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob = await follow_remote(home, alice, (await peer.account("bob")).account)
    # Given 30 Creates waiting, the 13th replying to the 12th, the database refusing the 11th's status
    notes = [note(bob, i, content=f"<p>post {i}</p>") for i in range(30)]
    notes[12]["inReplyTo"] = notes[11]["id"]
    for obj in notes:
        await queue_inbound(home, bob, create(bob, obj))
    _refuse_inserting(home, notes[10]["id"])
    # When the worker applies them (one batch: its transaction fails, then each row is written alone)
    await process_pending(home.app[FEDERATION])
    # Then the 29 others are stored, and the refused one is a dead letter with its error
    db = home.app[DB]
    states = await db.fetchall("SELECT activity_id, state, error FROM inbox_activities")
    failed = [r for r in states if r[1] == "failed"]
    assert [r[0] for r in failed] == [f"{notes[10]['id']}/activity"] and "refused by the test trigger" in failed[0][2]
    assert sorted(r[1] for r in states if r[1] != "failed") == ["done"] * 29
    stored = {r[0] for r in await db.fetchall("SELECT uri FROM statuses WHERE local = 0")}
    assert stored == {n["id"] for n in notes} - {notes[10]["id"]}
    assert await db.fetchval("SELECT statuses_count FROM accounts WHERE id = ?", (bob.id,)) == 29
    # and the reply, written alone too, is in its parent's thread
    parent = await db.fetchone("SELECT id, replies_count FROM statuses WHERE uri = ?", (notes[11]["id"],))
    reply = await db.fetchval("SELECT in_reply_to_id FROM statuses WHERE uri = ?", (notes[12]["id"],))
    assert reply == parent[0] and parent[1] == 1


async def test_a_reply_joins_a_parent_stored_in_the_same_batch(peers: Peers) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob, carol = [await follow_remote(home, alice, (await peer.account(n)).account) for n in ("bob", "carol")]
    # Given in one batch: bob's note then carol's reply to it; and carol's
    # reply to a note of bob's that comes after it
    parent, late_parent = note(bob, 1), note(bob, 2)
    reply = note(carol, 1, inReplyTo=parent["id"])
    early_reply = note(carol, 2, inReplyTo=late_parent["id"])
    for actor, obj in ((bob, parent), (carol, reply), (carol, early_reply), (bob, late_parent)):
        await queue_inbound(home, actor, create(actor, obj))
    # When they are applied
    await process_pending(home.app[FEDERATION])
    # Then the reply is in its parent's thread and counted, as if applied one by one
    db = home.app[DB]

    async def status(obj: dict[str, Any]) -> Any:
        return await db.fetchone("SELECT id, in_reply_to_id, in_reply_to_account_id, conversation_id, replies_count"
                                 " FROM statuses WHERE uri = ?", (obj["id"],))

    first, answer = await status(parent), await status(reply)
    assert (answer[1], answer[2], answer[3]) == (first[0], bob.id, first[3]) and first[4] == 1
    # and the reply that came first points at its parent once that is stored
    later, early = await status(late_parent), await status(early_reply)
    assert (early[1], early[2]) == (later[0], bob.id)


async def test_an_actor_not_yet_fetched_is_fetched_and_its_creates_applied_in_order(peers: Peers) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob = await follow_remote(home, alice, (await peer.account("bob")).account)
    dave = (await peer.account("dave")).account  # never seen by home
    # Given Creates of an actor home has not fetched, mentioning alice, among another actor's
    mention = {"tag": [{"type": "Mention", "href": alice.uri, "name": "@alice"}]}
    first, edited = note(dave, 1, **mention), note(dave, 2, **mention)
    for actor, activity in ((dave, create(dave, first)), (bob, create(bob, note(bob, 1))),
                            (dave, create(dave, edited)), (dave, update(dave, edited))):
        await queue_inbound(home, actor, activity)
    # When they are applied
    await process_pending(home.app[FEDERATION])
    # Then dave is fetched, and his Creates and his later Update all applied, in order
    db = home.app[DB]
    assert {r[0] for r in await db.fetchall("SELECT state FROM inbox_activities")} == {"done"}
    assert await db.fetchval("SELECT content FROM statuses WHERE uri = ?", (edited["id"],)) == "<p>edited</p>"
    assert await db.fetchval("SELECT count(*) FROM notifications WHERE account_id = ? AND type = 'mention'",
                             (alice.id,)) == 2


async def test_if_the_batch_itself_fails_its_creates_are_applied_one_by_one(
        peers: Peers, monkeypatch: pytest.MonkeyPatch) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob = await follow_remote(home, alice, (await peer.account("bob")).account)
    notes = [note(bob, i) for i in range(5)]
    for obj in notes:
        await queue_inbound(home, bob, create(bob, obj))

    # Given the batch's own step failing (not any row: a bug, a lost connection)
    async def broken(*_args: object) -> None:
        raise RuntimeError("the batch broke")

    monkeypatch.setattr(create_batch, "look_up", broken)
    # When the worker applies the rows
    await process_pending(home.app[FEDERATION])
    # Then each is applied alone, by the Create processor, and none waits for a lease to run out
    db = home.app[DB]
    assert {r[0] for r in await db.fetchall("SELECT state FROM inbox_activities")} == {"done"}
    assert {r[0] for r in await db.fetchall("SELECT uri FROM statuses WHERE local = 0")} == {n["id"] for n in notes}
