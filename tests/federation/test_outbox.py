"""Local actions become activities for remote recipients on permitted hosts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from federation import emit
from federation.emit import Emitter
from federation.keys import generate_keypair
from federation.outbox import Audience, plan_delivery
from storage import deliveries as store
from storage import status_writes, statuses
from storage.status_writes import NewStatus
from storage.statuses import StatusRow
from tests.federation.test_delivery_support import (
    Receiver,
    Sender,
    add_follow,
    open_sender,
    remote_account,
)

KEYS = generate_keypair()


@pytest.fixture
async def sender(tmp_path: Path) -> AsyncIterator[Sender]:
    s = await open_sender(tmp_path / "sender.sqlite3", keys=KEYS)
    yield s
    await s.close()


def emitter(s: Sender) -> Emitter:
    return Emitter(s.db, s.ids, s.urls, s.queue, s.gate)


async def post(s: Sender, text: str, *, visibility: str = "public", mentions: tuple[int, ...] = (),
               reply_to: int | None = None, reply_author: int | None = None, state: str = "published") -> int:
    status_id = s.ids.next_id()
    async with s.db.write() as w:
        await status_writes.insert_status(w, NewStatus(
            id=status_id, account_id=s.account_id, uri=s.urls.status("alice", status_id),
            url=s.urls.status_page("alice", status_id), text=text, content=f"<p>{text}</p>",
            visibility=visibility, in_reply_to_id=reply_to, in_reply_to_account_id=reply_author, state=state))
        await status_writes.record_mentions(w, status_id, list(mentions))
    return status_id


async def test_followers_on_one_peer_share_one_inbox_and_unpermitted_peers_get_nothing(sender: Sender) -> None:
    # Given 3 followers on a permitted peer, 2 on an unlisted one, 1 without a shared inbox
    for name in ("a", "b", "c"):
        await add_follow(sender.db, sender.ids, await remote_account(sender.db, sender.ids, "peer.example", name),
                         sender.account_id)
    for name in ("d", "e"):
        await add_follow(sender.db, sender.ids, await remote_account(sender.db, sender.ids, "rogue.example", name),
                         sender.account_id)
    lone = await remote_account(sender.db, sender.ids, "solo.example", "f", shared=False)
    await add_follow(sender.db, sender.ids, lone, sender.account_id)
    await sender.permit("peer.example")
    await sender.permit("solo.example")
    # When the delivery is planned
    plan = await plan_delivery(sender.db, sender.gate, Audience(sender.account_id))
    # Then one shared inbox per permitted peer (personal inbox where none is shared)
    assert plan.inboxes == ("http://peer.example/inbox", "http://solo.example/users/f/inbox")
    assert plan.refused == (("rogue.example", "no_permit"),)


async def test_a_post_reaches_followers_mentions_and_the_parent_author_once_each(sender: Sender) -> None:
    # Given a permitted peer with a follower, a mentioned account and the parent's author on it
    peer = Receiver(KEYS[1])
    await sender.permit(peer.host)
    follower = await remote_account(sender.db, sender.ids, peer.host, "fan")
    mentioned = await remote_account(sender.db, sender.ids, peer.host, "friend", shared=False)
    parent_author = await remote_account(sender.db, sender.ids, "other.example", "op", shared=False)
    await sender.permit("other.example", status="suspended")
    await add_follow(sender.db, sender.ids, follower, sender.account_id)
    status_id = await post(sender, "hello", mentions=(mentioned,), reply_author=parent_author)
    # When the status is emitted and the worker runs
    plan = await emit.status_created(emitter(sender), status_id)
    await peer.start()
    try:
        await sender.worker.run_once()
    finally:
        await peer.stop()
    # Then the peer got one Create at its shared inbox and one at the mentioned account's inbox
    assert sorted(peer.paths) == ["/inbox", "/users/friend/inbox"]
    assert {a["type"] for a in peer.received} == {"Create"}
    note = peer.received[0]["object"]
    assert note["content"] == "<p>hello</p>" and note["attributedTo"] == "http://sender.test/users/alice"
    assert plan.refused == (("other.example", "suspended"),)


async def test_held_and_direct_statuses(sender: Sender) -> None:
    follower = await remote_account(sender.db, sender.ids, "peer.example", "fan")
    await add_follow(sender.db, sender.ids, follower, sender.account_id)
    await sender.permit("peer.example")
    held = await post(sender, "held", state="pending")
    assert (await emit.status_created(emitter(sender), held)).inboxes == ()
    direct = await post(sender, "psst", visibility="direct")
    assert (await emit.status_created(emitter(sender), direct)).inboxes == ()


async def test_every_local_action_emits_its_activity(sender: Sender) -> None:
    # Given a permitted peer with an account that follows alice and wrote a status
    await sender.permit("peer.example")
    bob = await remote_account(sender.db, sender.ids, "peer.example", "bob")
    await add_follow(sender.db, sender.ids, bob, sender.account_id)
    bobs = sender.ids.next_id()
    await sender.db.execute(
        "INSERT INTO statuses (id, account_id, uri, local, created_at) VALUES (?,?,?,0,?)",
        (bobs, bob, "http://peer.example/users/bob/statuses/1", "2026-01-01T00:00:00.000Z"))
    em = emitter(sender)
    mine = await post(sender, "mine")
    reblog_id = sender.ids.next_id()
    async with sender.db.write() as w:
        reblog = await status_writes.insert_status(w, NewStatus(
            id=reblog_id, account_id=sender.account_id, uri=sender.urls.status("alice", reblog_id) + "/activity",
            url="", text="", content="", reblog_of_id=bobs))
    # When alice acts
    await emit.status_created(em, mine)
    await emit.status_edited(em, mine)
    await emit.status_deleted(em, await _row(sender, mine), Audience(sender.account_id))
    await emit.favourited(em, sender.account_id, bobs)
    await emit.unfavourited(em, sender.account_id, bobs)
    await emit.reblogged(em, reblog_id)
    await emit.unreblogged(em, reblog)
    await emit.followed(em, sender.account_id, bob)
    await emit.unfollowed(em, sender.account_id, bob)
    await emit.blocked(em, sender.account_id, bob)
    await emit.follow_request_answered(em, sender.account_id, bob, accepted=True)
    await emit.follow_request_answered(em, sender.account_id, bob, accepted=False)
    await emit.profile_updated(em, sender.account_id)
    # Then each is queued once for the peer's shared inbox
    rows = await sender.db.fetchall("SELECT activity_json, inbox_url FROM deliveries ORDER BY id")
    assert [json.loads(r[0])["type"] for r in rows] == ["Create", "Update", "Delete", "Like", "Undo", "Announce", "Undo",
                                     "Follow", "Undo", "Block", "Accept", "Reject", "Update"]
    assert {r[1] for r in rows} == {"http://peer.example/inbox"}
    assert (await store.count_by_state(sender.db))["queued"] == 13


async def _row(s: Sender, status_id: int) -> StatusRow:
    row = await statuses.get_status(s.db, status_id)
    assert row is not None
    return row


async def test_after_commit_is_a_no_op_without_federation_and_never_raises(sender: Sender) -> None:
    app = web.Application()
    assert (await emit.after_commit(app, emit.status_created, 1)).inboxes == ()
    app[emit.EMITTER] = emitter(sender)
    await sender.db.close()  # a broken database: the error is logged, not raised
    assert (await emit.after_commit(app, emit.status_created, 1)).inboxes == ()
    await sender.db.open()
    await asyncio.sleep(0)


async def test_a_follow_is_sent_once_with_its_id_recorded_for_the_accept(sender: Sender) -> None:
    # Given a follow request from alice to a remote account (as the follow handler stores it)
    await sender.permit("peer.example")
    bob = await remote_account(sender.db, sender.ids, "peer.example", "bob")
    await sender.db.execute("INSERT INTO follow_requests (id, account_id, target_id, created_at) VALUES (?,?,?,?)",
                            (sender.ids.next_id(), sender.account_id, bob, "2026-01-01T00:00:00.000Z"))
    # When it is emitted twice (following again only changes options)
    first = await emit.followed(emitter(sender), sender.account_id, bob)
    again = await emit.followed(emitter(sender), sender.account_id, bob)
    # Then one Follow is queued and its id is on the request, where the peer's Accept finds it
    assert first.inboxes == ("http://peer.example/inbox",) and again.inboxes == ()
    [row] = await sender.db.fetchall("SELECT activity_id FROM deliveries")
    uri = await sender.db.fetchval("SELECT uri FROM follow_requests WHERE account_id = ?", (sender.account_id,))
    assert uri == row[0] and "#follows/" in uri
