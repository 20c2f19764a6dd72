"""storage/registry.py: subscriptions claimed with a lease, entries replaced keeping approvals."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import clock
from storage import registry as store
from storage.database import Database, open_database
from storage.ids import IdGenerator

IDS = IdGenerator()  # one generator: ids in creation order, as in a node
T0 = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.timezone.utc)


def at(minutes: float) -> str:
    return clock.iso(T0 + dt.timedelta(minutes=minutes))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    async with open_database(tmp_path / "node.sqlite3") as database:
        yield database


async def subscribe(db: Database, url: str, *, priority: int = 0, mode: str = "draft") -> store.SubscriptionRow:
    new = store.NewSubscription(url, "A" * 43, mode, "off", priority)
    async with db.write() as w:
        row = await store.insert_subscription(w, IDS.next_id(), new, at(0))
    assert row is not None
    return row


def entry(host: str, digest: str = "d1", status: str = "active") -> store.NewEntry:
    return store.NewEntry(host, "京ICP备12345678号-1", "filing", "", status, None, digest)


async def test_subscriptions_get_numbers_and_a_url_only_once(db: Database) -> None:
    first, second = await subscribe(db, "https://a.example/r.json"), await subscribe(db, "https://b.example/r.json")
    assert (first.seq, second.seq) == (1, 2) and first.next_sync_at == at(0)
    async with db.write() as w:
        again = await store.insert_subscription(w, 1, store.NewSubscription(first.url, "B" * 43, "active", "off", 0),
                                                at(1))
    assert again is None
    assert [r.url for r in await store.list_subscriptions(db)] == [first.url, second.url]


async def test_a_lease_lets_one_process_sync_at_a_time(db: Database) -> None:
    low = await subscribe(db, "https://low.example/r.json", priority=1)
    high = await subscribe(db, "https://high.example/r.json", priority=9)
    # The most urgent due subscription is claimed first, then the other, then none
    one = await store.claim_subscription(db, now=at(1), lease_until=at(6))
    two = await store.claim_subscription(db, now=at(1), lease_until=at(6))
    assert (one.id, two.id) == (high.id, low.id)  # type: ignore[union-attr]
    assert await store.claim_subscription(db, now=at(2), lease_until=at(7)) is None
    # By id, a held lease is refused too
    assert await store.claim_subscription(db, now=at(2), lease_until=at(7), sub_id=high.id) is None
    # A lease that ran out is taken over, and the first holder's finish then does nothing
    taken = await store.claim_subscription(db, now=at(7), lease_until=at(12), sub_id=high.id)
    assert taken is not None and taken.claimed_until == at(12)
    good = store.GoodDocument(3, "abc", at(0), at(600))
    async with db.write() as w:
        assert not await store.finish_success(w, one, good, now=at(8), next_sync_at=at(68))  # type: ignore[arg-type]
        assert not await store.finish_failure(w, one, now=at(8), error="late", next_sync_at=at(9))  # type: ignore[arg-type]
        assert await store.finish_success(w, taken, good, now=at(8), next_sync_at=at(68))
    row = await store.get_subscription(db, high.id)
    assert row is not None and row.last_version == 3 and row.claimed_until is None and row.last_error == ""
    # Not due again until its next sync
    async with db.write() as w:
        assert await store.finish_failure(w, two, now=at(8), error="fetch failed", next_sync_at=at(10))  # type: ignore[arg-type]
    assert await store.claim_subscription(db, now=at(9), lease_until=at(14)) is None
    failed = await store.claim_subscription(db, now=at(10), lease_until=at(15))
    assert failed is not None and failed.id == low.id and failed.failures == 1 and failed.last_error == "fetch failed"


async def test_entries_are_replaced_keeping_approvals_of_unchanged_ones(db: Database) -> None:
    sub = await subscribe(db, "https://a.example/r.json")
    async with db.write() as w:
        assert await store.replace_entries(w, sub.id, [entry("a.cn"), entry("b.cn")], at(0)) == {"a.cn", "b.cn"}
        assert await store.approve_entries(w, sub.id, ["a.cn"]) == ["a.cn"]
    assert [e.host for e in await store.pending_entries(db)] == ["b.cn"]
    # When the next document keeps a, changes b and adds c
    async with db.write() as w:
        touched = await store.replace_entries(w, sub.id, [entry("a.cn"), entry("b.cn", "d2"), entry("c.cn")], at(5))
    assert touched == {"b.cn", "c.cn"}
    rows = {e.host: e for e in await store.entries_of(db, sub.id)}
    assert rows["a.cn"].approved and rows["a.cn"].first_seen_at == at(0)
    assert not rows["b.cn"].approved and rows["b.cn"].digest == "d2" and rows["b.cn"].first_seen_at == at(0)
    # A dropped host is touched and gone; an approved entry whose fields change waits again
    async with db.write() as w:
        assert await store.replace_entries(w, sub.id, [entry("a.cn", "d9")], at(9)) == {"a.cn", "b.cn", "c.cn"}
    assert [(e.host, e.approved) for e in await store.entries_of(db, sub.id)] == [("a.cn", False)]
    assert [e.host for e in await store.entries_for_hosts(db, ["a.cn", "zzz.cn"])] == ["a.cn"]
    assert await store.entries_for_hosts(db, []) == []


async def test_active_subscriptions_have_nothing_pending_and_delete_takes_entries(db: Database) -> None:
    active = await subscribe(db, "https://a.example/r.json", mode="active")
    draft = await subscribe(db, "https://b.example/r.json")
    async with db.write() as w:
        await store.replace_entries(w, active.id, [entry("a.cn")], at(0))
        await store.replace_entries(w, draft.id, [entry("a.cn"), entry("b.cn")], at(0))
    assert [(e.subscription_id, e.host) for e in await store.pending_entries(db)] == [(draft.id, "a.cn"),
                                                                                       (draft.id, "b.cn")]
    assert await store.entry_counts(db) == {active.id: 1, draft.id: 2}
    async with db.write() as w:
        await store.update_settings(w, draft.id, permits_mode="active", lists_mode="shadow", priority=7,
                                    now=at(3), sync_now=True)
        assert await store.delete_subscription(w, active.id) == ["a.cn"]
    assert await store.pending_entries(db) == []
    row = await store.get_subscription(db, draft.id)
    assert row is not None and (row.permits_mode, row.lists_mode, row.priority, row.next_sync_at) == (
        "active", "shadow", 7, at(3))
    assert await store.entry_counts(db) == {draft.id: 2}
    assert await store.get_subscription(db, active.id) is None
