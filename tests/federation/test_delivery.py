"""Delivery end to end: a real sender (SQLite file, queue, worker, permit
gate, safe session) and real aiohttp receivers on loopback that verify
every signature and Digest."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from federation.delivery import DeliverySettings, running_worker
from federation.keys import generate_keypair
from storage import deliveries as store
from tests.federation.test_delivery_support import (
    Receiver,
    Sender,
    note_activity,
    open_sender,
)

KEYS = generate_keypair()


@pytest.fixture
async def sender(tmp_path: Path) -> AsyncIterator[Sender]:
    s = await open_sender(tmp_path / "sender.sqlite3", keys=KEYS)
    yield s
    await s.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver(KEYS[1])
    await r.start()
    yield r
    await r.stop()


async def wait_for(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.02)


async def wait_done(sender: Sender, activity_id: str, timeout: float = 10.0) -> None:
    """Until the sender has recorded the delivery as done (the peer's 2xx comes first)."""
    deadline = time.monotonic() + timeout
    while [r.state for r in await store.deliveries_of(sender.db, activity_id)] != ["done"]:
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the delivery to be done")
        await asyncio.sleep(0.02)


async def test_a_permitted_peer_receives_the_activity_signed(sender: Sender, receiver: Receiver) -> None:
    # Given a peer with an active permit
    await sender.permit(receiver.host)
    activity = note_activity(1)
    # When an activity is queued for its inbox and the worker runs
    assert await sender.queue.enqueue(activity, [receiver.inbox], sender.account_id) == 1
    assert await sender.worker.run_once() == 1
    # Then the peer verified the signature and Digest and got it once
    assert receiver.ids() == [activity["id"]] and receiver.refused == []
    [row] = await store.deliveries_of(sender.db, activity["id"])
    assert (row.state, row.last_status, row.attempts, row.host) == ("done", 202, 1, receiver.host)


async def test_the_same_activity_and_inbox_is_queued_once(sender: Sender, receiver: Receiver) -> None:
    activity = note_activity(2)
    assert await sender.queue.enqueue(activity, [receiver.inbox, receiver.inbox], sender.account_id) == 1
    assert await sender.queue.enqueue(activity, [receiver.inbox], sender.account_id) == 0


async def test_nothing_is_sent_to_a_host_without_a_permit(sender: Sender, receiver: Receiver) -> None:
    # Given a peer that is not in the registry
    activity = note_activity(3)
    await sender.queue.enqueue(activity, [receiver.inbox], sender.account_id)
    # When the worker runs
    await sender.worker.run_once()
    # Then nothing arrives and the row is dropped with the gate's reason
    assert receiver.received == []
    [row] = await store.deliveries_of(sender.db, activity["id"])
    assert row.state == "dropped" and row.last_error.startswith("no_permit")


async def test_a_revoked_permit_drops_the_delivery(sender: Sender, receiver: Receiver) -> None:
    await sender.permit(receiver.host, status="revoked")
    await sender.queue.enqueue(note_activity(4), [receiver.inbox], sender.account_id)
    await sender.worker.run_once()
    assert receiver.received == []
    [row] = await store.deliveries_of(sender.db, note_activity(4)["id"])
    assert row.state == "dropped" and row.last_error.startswith("revoked")


async def test_503_with_retry_after_is_retried_after_the_hinted_time(sender: Sender, receiver: Receiver) -> None:
    # Given a peer that answers 503 Retry-After: 1 once, then 202
    await sender.permit(receiver.host)
    answers = [web.Response(status=503, headers={"Retry-After": "1"})]
    receiver.respond = lambda activity: answers.pop() if answers else None
    activity = note_activity(5)
    started = time.monotonic()
    # When the worker runs in the background
    async with running_worker(sender.worker):
        await sender.queue.enqueue(activity, [receiver.inbox], sender.account_id)
        await wait_done(sender, activity["id"])
    # Then it arrived on the second attempt, not before the hinted second
    assert time.monotonic() - started >= 1.0
    [row] = await store.deliveries_of(sender.db, activity["id"])
    assert (row.state, row.attempts) == ("done", 2)


async def test_400_fails_without_a_retry(sender: Sender, receiver: Receiver) -> None:
    await sender.permit(receiver.host)
    calls: list[str] = []

    def refuse(activity: dict[str, object]) -> web.Response:
        calls.append(str(activity["id"]))
        return web.Response(status=400)

    receiver.respond = refuse
    await sender.queue.enqueue(note_activity(6), [receiver.inbox], sender.account_id)
    await sender.worker.run_once()
    await asyncio.sleep(0.5)
    assert await sender.worker.run_once() == 0
    [row] = await store.deliveries_of(sender.db, note_activity(6)["id"])
    assert (row.state, row.last_status, row.attempts, len(calls)) == ("failed", 400, 1, 1)
    assert "final" in row.last_error


async def test_a_peer_that_is_down_gets_it_once_it_is_up(sender: Sender) -> None:
    # Given a permitted peer whose server is not running (connection refused)
    peer = Receiver(KEYS[1])
    await sender.permit(peer.host)
    activity = note_activity(7)
    async with running_worker(sender.worker):
        await sender.queue.enqueue(activity, [peer.inbox], sender.account_id)
        await asyncio.sleep(0.5)
        [row] = await store.deliveries_of(sender.db, activity["id"])
        assert row.state in ("queued", "in_flight") and row.attempts >= 1
        assert "connect_error" in row.last_error
        # When it starts
        await peer.start()
        try:
            # Then the retry delivers it
            await wait_done(sender, activity["id"])
        finally:
            await peer.stop()
    [row] = await store.deliveries_of(sender.db, activity["id"])
    assert row.state == "done" and peer.ids() == [activity["id"]]


async def test_an_expired_lease_is_claimed_again(sender: Sender, receiver: Receiver) -> None:
    # Given a row claimed by a worker that died before finishing it
    await sender.permit(receiver.host)
    await sender.queue.enqueue(note_activity(8), [receiver.inbox], sender.account_id)
    [claimed] = await sender.worker.claim(10)
    assert await sender.worker.claim(10) == []  # leased: nobody else takes it
    # When the lease runs out
    await asyncio.sleep(sender.worker.settings.lease_seconds + 0.1)
    # Then another worker claims and delivers it
    assert await sender.worker.run_once() == 1
    assert receiver.ids() == [note_activity(8)["id"]]
    # and the dead worker's late outcome cannot overwrite it
    assert not await store.finish(sender.db, claimed, "failed", error="late")


async def test_a_receiver_killed_mid_delivery_and_restarted_still_gets_every_activity(tmp_path: Path) -> None:
    """At least once: every activity arrives; an activity whose 2xx the
    worker never recorded may arrive twice (inboxes dedupe by id)."""
    path = tmp_path / "node.sqlite3"
    first = await open_sender(path, keys=KEYS)
    peer = Receiver(KEYS[1])
    await first.permit(peer.host)
    await peer.start()
    n = 60
    activities = [note_activity(100 + i) for i in range(n)]

    def stop_partway(activity: dict[str, object]) -> web.Response | None:
        if len(peer.received) == n // 3:
            asyncio.get_running_loop().create_task(peer.stop())
        return None

    peer.respond = stop_partway
    # Given N activities queued and a worker delivering them
    async with running_worker(first.worker):
        for activity in activities:
            await first.queue.enqueue(activity, [peer.inbox], first.account_id)
        await wait_for(lambda: peer.runner is None)
        await asyncio.sleep(0.3)
    # When the receiver went away partway and the node's worker is restarted
    await first.close()
    assert len(set(peer.ids())) < n
    second = await open_sender(path)
    peer.respond = None
    await peer.start()
    try:
        async with running_worker(second.worker):
            await wait_for(lambda: len(set(peer.ids())) == n, timeout=30)
    finally:
        await peer.stop()
        await second.close()
    # Then every activity arrived at least once
    assert set(peer.ids()) == {a["id"] for a in activities}


async def test_enqueue_wakes_the_background_worker(sender: Sender, receiver: Receiver) -> None:
    await sender.permit(receiver.host)
    slow = DeliverySettings(poll_seconds=60, lease_seconds=5)
    sender.queue.settings = sender.worker.settings = slow
    async with running_worker(sender.worker):
        await asyncio.sleep(0.1)  # the worker is asleep on a 60 s timer
        started = time.monotonic()
        await sender.queue.enqueue(note_activity(9), [receiver.inbox], sender.account_id)
        await wait_for(lambda: receiver.received, timeout=5)
    assert time.monotonic() - started < 2


async def test_finished_rows_are_pruned_after_the_keep_time(sender: Sender, receiver: Receiver) -> None:
    # Given a delivered row and a queued one
    await sender.permit(receiver.host)
    await sender.queue.enqueue(note_activity(10), [receiver.inbox], sender.account_id)
    await sender.worker.run_once()
    await sender.queue.enqueue(note_activity(11), ["http://127.0.0.1:9/inbox"], sender.account_id)
    # When pruning with a keep time of zero
    sender.worker.settings = DeliverySettings(keep_finished_days=0)
    await asyncio.sleep(0.01)
    # Then the finished row goes and the queued one stays
    assert await sender.worker.prune() == 1
    assert (await store.count_by_state(sender.db))["queued"] == 1
