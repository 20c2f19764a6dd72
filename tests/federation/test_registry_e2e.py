"""Issue 15, end to end: an association's node publishes a signed registry, a
member node subscribes, syncs on its schedule and federates with a peer it
learnt only from the feed; bad documents are refused with the old one kept;
a dropped entry is revoked; word lists in shadow count hits without acting.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from node.keys import DB, IDS, REGISTRY
from node.registry_actions import sync_now
from node.registry_publish import build_document
from node.registry_sync import sweep_registry
from policy.identity import load_private_key
from policy.permits import add_permit, validate_entry
from policy.registry_lists import read_manifest
from storage import deliveries, registry
from storage import permits as permit_store
from tests.conftest import Node, start_node
from tests.federation.e2e import Client
from tests.federation.nodes import PERMITS, Peers, permit, quiet
from tests.federation.registry_feed import Feed, feed, keygen, publish  # noqa: F401 (fixture)
from tests.node.test_screening_api import CATEGORIES, write_lists
from tests.test_cli_permits import ok

GONE = "gone.example.cn"


@dataclass
class World:
    assoc: Node  # publishes the registry; also a peer the member federates with
    member: Node  # subscribes
    key: Path
    public_key: str
    out: Path
    http: aiohttp.ClientSession

    def publish(self, *extra: str) -> bytes:
        return publish(self.assoc.config.path, self.key, self.out, *extra)


@pytest.fixture
async def world(tmp_path: Path, feed: Feed) -> AsyncIterator[World]:  # noqa: F811
    write_lists(tmp_path / "assoc")
    started = [await start_node(tmp_path / "assoc", permit=PERMITS[0], screening=CATEGORIES),
               await start_node(tmp_path / "member", permit=PERMITS[1])]
    peers = Peers([n for n, _ in started], [r for _, r in started])
    assoc, member = peers.nodes
    # The association's registry: its own node, the member, and a host it will drop
    await add_permit(assoc.app[DB], assoc.app[IDS], validate_entry(assoc.config.node.domain, PERMITS[0],
                                                                   holder="北京互联网协会"))
    await permit(assoc, member)
    await add_permit(assoc.app[DB], assoc.app[IDS], validate_entry(GONE, "京ICP备00000009号"))
    key = tmp_path / "assoc.key"
    async with aiohttp.ClientSession() as http:
        yield World(assoc, member, key, keygen(key), tmp_path / "registry.json", http)
    await peers.close()


async def subscription(node: Node) -> registry.SubscriptionRow:
    (row,) = await registry.list_subscriptions(node.app[DB])
    return row


async def permit_of(node: Node, host: str) -> permit_store.PermitRow | None:
    return await permit_store.get_permit(node.app[DB], host)


async def test_subscribe_sync_federate_refuse_drop_and_shadow(world: World, feed: Feed) -> None:  # noqa: F811
    assoc, member = world.assoc, world.member
    alice = Client(assoc, await assoc.account("alice"), world.http)
    bob = Client(member, await member.account("bob"), world.http)
    assoc_host = assoc.config.node.domain
    # Given the association publishes its registry with its word lists
    feed.body = world.publish("--lists")
    first = feed.body
    # And before subscribing, the member's node refuses the association's node
    found = await bob.get("/api/v2/search", q=f"@{alice.acct}", resolve="true", type="accounts")
    assert found["accounts"] == []
    # When the member's admin subscribes (permits active, lists in shadow) and the schedule runs
    ok(member.config.path, "registry", "subscribe", feed.url, "--public-key", world.public_key,
       "--permits", "active", "--lists", "shadow", "--priority", "10")
    (result,) = await sweep_registry(member.app)
    assert result.outcome == "applied", result.message
    sub = await subscription(member)
    # Then the feed's entries are the member's permits, marked with their source
    learnt = await permit_of(member, assoc_host)
    assert learnt is not None and learnt.status == "active" and learnt.number == PERMITS[0]
    assert learnt.source == f"registry:{sub.id}" and learnt.holder == "北京互联网协会"
    assert (await permit_of(member, GONE)) is not None
    # And bob federates with alice, a peer learnt from the feed: follow, accept, her post arrives
    await bob.follow(alice)
    await quiet([assoc, member])
    await alice.post("registry members may talk")
    await quiet([assoc, member])
    assert [s["content"] for s in await bob.home()] == ["<p>registry members may talk</p>"]

    # The word lists arrived in shadow: a gambling advert is published, and the hit counted
    status = await bob.post("欢迎来到博彩网站")
    assert status["content"] and status.get("id")
    hits = await member.app[DB].fetchall("SELECT category, mode, hits FROM screening_hits")
    assert [(r[0], r[1], r[2]) for r in hits] == [(f"r{sub.seq}-gambling", "shadow", 1)]
    manifest = read_manifest(member.config.node.data_dir / "registry", sub.seq)
    assert manifest is not None and manifest.version == sub.last_version and manifest.mode == "shadow"

    # A tampered byte, an older version and an expired document are each refused, the old kept
    feed.body = world.publish("--lists")  # version 2 in force from here
    assert (await sync_now(member.app[REGISTRY], "cli", sub.id)).outcome == "applied"
    good = await subscription(member)
    envelope = json.loads(feed.body)
    envelope["payload"] = envelope["payload"].replace(assoc_host, assoc_host.replace("127", "128"))
    expired_key = load_private_key(world.key.read_bytes())
    expired = await build_document(assoc.app[DB], assoc.config, expired_key, version=good.last_version + 10,
                                   with_lists=False, valid_days=1,
                                   now=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2))
    for body, why in ((json.dumps(envelope).encode(), "signature does not verify"),
                      (first, "is not newer than version"), (expired.document, "expired")):
        feed.body = body
        refused = await sync_now(member.app[REGISTRY], "cli", sub.id)
        assert refused.outcome == "refused" and why in refused.message
        now = await subscription(member)
        assert now.last_version == good.last_version and now.last_digest == good.last_digest
        assert why in now.last_error and "stays in force" in now.last_error
        assert (await permit_of(member, assoc_host)).status == "active"  # type: ignore[union-attr]
        kept = read_manifest(member.config.node.data_dir / "registry", sub.seq)
        assert kept is not None and kept.version == good.last_version
    refusals = await member.app[DB].fetchall("SELECT details_json FROM audit_log WHERE action = 'registry.refused'")
    assert [json.loads(r[0])["reason"] for r in refusals] == ["bad_signature", "older_version", "expired"]

    # When the association drops a host and publishes again
    ok(assoc.config.path, "permits", "remove", GONE)
    feed.body = world.publish("--lists")
    assert (await sync_now(member.app[REGISTRY], "cli", sub.id)).outcome == "applied"
    # Then the member revokes it, with the usual revocation effects, and audits it
    gone = await permit_of(member, GONE)
    assert gone is not None and gone.status == "revoked"
    assert await deliveries.is_restricted(member.app[DB], GONE)
    revoked = await member.app[DB].fetchall(
        "SELECT actor, target_id FROM audit_log WHERE action = 'permit.revoke'")
    assert [tuple(r) for r in revoked] == [("cli", GONE)]
    assert (await subscription(member)).last_error == ""

    # When the member's admin turns the lists to enforce (from the command line)
    ok(member.config.path, "registry", "set", str(sub.id), "--lists", "enforce")
    # Then the running node reloads, and the same advert is refused naming the subscribed category
    for _ in range(100):
        async with world.http.post(member.url("/api/v1/statuses"), json={"status": "欢迎来到博彩网站"},
                                   headers=bob.session.headers) as resp:
            if resp.status == 422:
                assert f"r{sub.seq}-gambling" in (await resp.json())["error"]
                break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the enforce mode never took effect")
