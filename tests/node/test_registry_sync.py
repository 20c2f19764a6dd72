"""Registry syncs inside a running node: local entries win, priority, admin
decisions, bad word lists, failed fetches and one sync at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Sequence

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.keys import DB, IDS, REGISTRY, SCREENING
from node.registry_actions import change_settings, new_subscription, subscribe, sync_now, unsubscribe
from node.registry_context import RegistryContext
from node.registry_sync import sync_subscription
from policy import permits
from policy.identity import public_key_b64
from policy.permits import PermitEntry, validate_entry
from policy.registry_document import PublishedList, build_payload, sign_document
from policy.registry_lists import read_manifest
from storage import clock
from storage import permits as permit_store
from storage import registry as store
from storage.registry import SubscriptionRow
from tests.conftest import Node
from tests.federation.registry_feed import Feed

HOST = "peer.example.cn"
NUMBER, OTHER = "京ICP备12345678号-1", "京ICP证123456号"


class Publisher:
    """An association: its key and a feed it publishes through."""

    def __init__(self, feed: Feed) -> None:
        self.feed, self.key, self.version = feed, Ed25519PrivateKey.generate(), 0

    @property
    def public(self) -> str:
        return public_key_b64(self.key.public_key())

    def publish(self, entries: Sequence[PermitEntry], lists: Sequence[PublishedList] = ()) -> None:
        self.version += 1
        now = dt.datetime.now(dt.timezone.utc)
        payload = build_payload(version=self.version, issued_at=now, expires_at=now + dt.timedelta(days=7),
                                publisher="test association", permits=entries, lists=lists)
        self.feed.body = sign_document(self.key, payload)


@pytest.fixture
async def publishers() -> AsyncIterator[list[Publisher]]:
    feeds = [Feed(), Feed()]
    for f in feeds:
        await f.start()
    yield [Publisher(f) for f in feeds]
    for f in feeds:
        await f.close()


def ctx(node: Node) -> RegistryContext:
    return node.app[REGISTRY]


async def follow(node: Node, publisher: Publisher, **settings: object) -> SubscriptionRow:
    new = new_subscription(publisher.feed.url, publisher.public, **settings)  # type: ignore[arg-type]
    return await subscribe(ctx(node), "root", new)


async def sync(node: Node, sub: SubscriptionRow) -> str:
    result = await sync_now(ctx(node), "root", sub.id)
    return f"{result.outcome}: {result.message}"


async def permit_of(node: Node, host: str = HOST) -> permit_store.PermitRow | None:
    return await permit_store.get_permit(node.app[DB], host)


def entry(number: str = NUMBER, **extra: str) -> PermitEntry:
    return validate_entry(HOST, number, **extra)


async def test_a_local_entry_wins_until_it_is_removed(node: Node, publishers: list[Publisher]) -> None:
    publisher = publishers[0]
    await permits.add_permit(node.app[DB], node.app[IDS], validate_entry(HOST, OTHER, source="cli"))
    publisher.publish([entry()])
    sub = await follow(node, publisher, permits_mode="active")
    assert (await sync(node, sub)).startswith("applied")
    # The local entry is untouched
    row = await permit_of(node)
    assert row is not None and (row.number, row.source) == (OTHER, "cli")
    # Once the admin removes it, the next sync (same document) brings the registry's
    await permits.remove_permit(node.app[DB], HOST)
    assert (await sync(node, sub)).startswith("unchanged")
    row = await permit_of(node)
    assert row is not None and (row.number, row.source, row.status) == (NUMBER, f"registry:{sub.id}", "active")
    # An admin's suspension makes it local: the next sync does not undo it
    await permits.change_status(node.app[DB], HOST, "suspended", source="cli")
    await sync(node, sub)
    row = await permit_of(node)
    assert row is not None and (row.status, row.source) == ("suspended", "cli")


async def test_priority_decides_and_unsubscribing_hands_over(node: Node, publishers: list[Publisher]) -> None:
    first, second = publishers
    first.publish([entry(NUMBER)])
    second.publish([entry(OTHER)])
    low = await follow(node, first, permits_mode="active", priority=1)
    high = await follow(node, second, permits_mode="active", priority=200)
    await sync(node, low)
    assert (await permit_of(node)).number == NUMBER  # type: ignore[union-attr]
    await sync(node, high)
    assert (await permit_of(node)).number == OTHER  # type: ignore[union-attr]
    # Raising the other's priority hands the host over at once
    change = await change_settings(ctx(node), "root", low.id, priority=255)
    assert [(p.host, p.action) for p in change.permits] == [(HOST, "update")]
    assert (await permit_of(node)).source == f"registry:{low.id}"  # type: ignore[union-attr]
    # Unsubscribing from it leaves the host to the remaining subscription, not revoked
    await unsubscribe(ctx(node), "root", low.id)
    row = await permit_of(node)
    assert row is not None and (row.number, row.status, row.source) == (OTHER, "active", f"registry:{high.id}")
    # And when the last one goes, the permit is revoked
    await unsubscribe(ctx(node), "root", high.id)
    assert (await permit_of(node)).status == "revoked"  # type: ignore[union-attr]


async def test_a_bad_word_list_refuses_the_document_and_keeps_the_old(node: Node,
                                                                      publishers: list[Publisher]) -> None:
    publisher = publishers[0]
    publisher.publish([entry()], [PublishedList("spam", "reject", terms=("substring:刷粉丝",))])
    sub = await follow(node, publisher, permits_mode="active", lists_mode="enforce")
    assert (await sync(node, sub)).startswith("applied")
    folder = node.config.node.data_dir / "registry"
    assert read_manifest(folder, sub.seq).version == 1  # type: ignore[union-attr]
    assert f"r{sub.seq}-spam" in {c.name for c in node.app[SCREENING].policy.categories}
    # When the next version carries a term the engine cannot build, and drops the host
    publisher.publish([], [PublishedList("spam", "reject", terms=("re:(unclosed",))])
    outcome = await sync(node, sub)
    # Then it is refused naming the list, and lists and permits stay as they were
    assert outcome.startswith("refused: word lists refused:") and "spam.txt" in outcome
    assert read_manifest(folder, sub.seq).version == 1  # type: ignore[union-attr]
    assert (await permit_of(node)).status == "active"  # type: ignore[union-attr]
    assert len(list((folder / str(sub.seq)).iterdir())) == 1  # the refused version's files are gone


async def test_a_failed_fetch_is_recorded_and_retried_soon(node: Node, publishers: list[Publisher]) -> None:
    publisher = publishers[0]
    sub = await follow(node, publisher)
    await publisher.feed.close()  # the association's server is down
    outcome = await sync(node, sub)
    assert outcome.startswith("failed: fetch failed:")
    row = await store.get_subscription(node.app[DB], sub.id)
    assert row is not None and row.failures == 1 and row.last_error.startswith("fetch failed")
    retry = dt.datetime.fromisoformat(row.next_sync_at.replace("Z", "+00:00")) - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(seconds=30) < retry <= dt.timedelta(minutes=1)
    # Nothing changed, so nothing is in the audit log but the subscription itself
    actions = await node.app[DB].fetchall("SELECT action FROM audit_log ORDER BY id")
    assert [r[0] for r in actions] == ["registry.subscribe"]


async def test_one_sync_at_a_time(node: Node, publishers: list[Publisher]) -> None:
    publisher = publishers[0]
    publisher.publish([entry()])
    sub = await follow(node, publisher, permits_mode="active")
    # Two processes (here: two tasks) try to sync the same subscription at once
    results = await asyncio.gather(sync_subscription(ctx(node), "system", sub.id),
                                   sync_subscription(ctx(node), "system", sub.id))
    done = [r for r in results if r is not None]
    assert len(done) == 1 and done[0].outcome == "applied" and publisher.feed.requests == 1


async def test_unsubscribing_takes_the_lists_out_of_the_policy(node: Node, publishers: list[Publisher]) -> None:
    publisher = publishers[0]
    publisher.publish([], [PublishedList("spam", "reject", terms=("substring:刷粉丝",))])
    sub = await follow(node, publisher, lists_mode="enforce")
    assert "1 lists in force (enforce)" in (await sync_now(ctx(node), "root", sub.id)).lists
    assert f"r{sub.seq}-spam" in {c.name for c in node.app[SCREENING].policy.categories}
    # Lists off: out of the policy at once; on again: back with the next sync
    assert (await change_settings(ctx(node), "root", sub.id, lists_mode="off")).lists == "lists removed"
    assert f"r{sub.seq}-spam" not in {c.name for c in node.app[SCREENING].policy.categories}
    change = await change_settings(ctx(node), "root", sub.id, lists_mode="shadow")
    assert change.lists == "lists arrive with the next sync"
    assert "lists in force (shadow)" in (await sync_now(ctx(node), "root", sub.id)).lists
    # Unsubscribed: the files and the categories are gone
    await unsubscribe(ctx(node), "root", sub.id)
    assert f"r{sub.seq}-spam" not in {c.name for c in node.app[SCREENING].policy.categories}
    assert not (node.config.node.data_dir / "registry" / str(sub.seq)).exists()


async def test_sync_now_waits_for_a_sync_in_progress_elsewhere(node: Node, publishers: list[Publisher]) -> None:
    publisher = publishers[0]
    publisher.publish([entry()])
    sub = await follow(node, publisher, permits_mode="active")
    # Given another process holds the subscription's lease
    now = dt.datetime.now(dt.timezone.utc)
    held = await store.claim_subscription(node.app[DB], now=clock.iso(now),
                                          lease_until=clock.iso(now + dt.timedelta(minutes=5)), sub_id=sub.id)
    assert held is not None
    # When the admin asks for a sync, and the other process finishes half a second later
    asking = asyncio.create_task(sync_now(ctx(node), "root", sub.id))
    await asyncio.sleep(0.5)
    assert not asking.done()
    await store.release(node.app[DB], held)
    # Then the admin's sync runs after it
    assert (await asking).outcome == "applied"
