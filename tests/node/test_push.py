"""Web Push: subscriptions, the queue, and encrypted pushes a real
(loopback) push service decrypts with the subscription's private key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from node.app import create_app
from node.bootstrap import init_node
from node.config import load_config
from node.keys import DB
from storage import clock, oauth, web_push_queue
from tests.conftest import Node, Session, write_config
from tests.node.push_receiver import (
    ClientKeys,
    PushReceiver,
    decrypt_standard,
    standard_vapid,
    vapid_claims,
)
from tests.openapi import assert_matches


@pytest.fixture
async def receiver() -> AsyncIterator[PushReceiver]:
    service = await PushReceiver().start()
    yield service
    await service.stop()


async def call(http: aiohttp.ClientSession, node: Node, method: str, path: str, who: Session | None = None,
               *, expect: int = 200, **kwargs: Any) -> Any:
    async with http.request(method, node.url(path), headers=who.headers if who else {}, **kwargs) as resp:
        body = await resp.json()
        assert resp.status == expect, body
        return body


def subscription_body(endpoint: str, keys: ClientKeys, alerts: dict[str, bool], policy: str = "all",
                      standard: bool = True) -> dict[str, Any]:
    return {"subscription": {"endpoint": endpoint, "standard": standard,
                             "keys": {"p256dh": keys.p256dh, "auth": keys.auth_b64}},
            "data": {"alerts": alerts, "policy": policy}}


async def server_key(http: aiohttp.ClientSession, node: Node) -> str:
    instance = await call(http, node, "GET", "/api/v2/instance")
    return instance["configuration"]["vapid"]["public_key"]


async def test_a_mention_arrives_encrypted_and_signed_by_the_node(
        node: Node, http: aiohttp.ClientSession, receiver: PushReceiver) -> None:
    # Given alice subscribed (RFC 8291) for mentions with a fresh browser key pair
    alice, bob = await node.account("alice"), await node.account("bob")
    keys = ClientKeys()
    sub = await call(http, node, "POST", "/api/v1/push/subscription", alice,
                     json=subscription_body(receiver.endpoint("alice"), keys, {"mention": True}))
    assert_matches("/api/v1/push/subscription", "post", 200, sub)
    vapid = await server_key(http, node)
    assert sub["server_key"] == vapid and sub["standard"] is True
    assert sub["alerts"]["mention"] is True and sub["alerts"]["favourite"] is False
    # When bob mentions her
    status = await call(http, node, "POST", "/api/v1/statuses", bob, json={"status": "@alice 看这里 lunch?"})
    pushes = await receiver.wait_for(1)
    # Then one push came, which only her private key decrypts, in Mastodon's shape
    assert len(pushes) == 1 and pushes[0].path == "/push/alice"
    payload = decrypt_standard(pushes[0], keys)
    notifications = await call(http, node, "GET", "/api/v1/notifications", alice)
    assert payload == {
        "access_token": alice.token, "preferred_locale": payload["preferred_locale"],
        "notification_id": int(notifications[0]["id"]), "notification_type": "mention",
        "icon": notifications[0]["account"]["avatar_static"], "title": "You were mentioned by bob",
        "body": "@alice 看这里 lunch?",
    }
    assert notifications[0]["status"]["id"] == status["id"]
    # And it is signed with the node's VAPID key for that push service, expiring within a day
    token, key = standard_vapid(pushes[0])
    claims = vapid_claims(token, vapid)
    assert key == vapid
    assert claims["aud"] == f"http://127.0.0.1:{receiver.port}"
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"].startswith("mailto:")
    assert pushes[0].headers["TTL"] == str(48 * 3600) and pushes[0].headers["Urgency"] == "normal"


async def test_alerts_and_policy_decide_what_is_pushed(
        node: Node, http: aiohttp.ClientSession, receiver: PushReceiver) -> None:
    # Given alice pushes only mentions from accounts she follows; she follows carol, not bob
    alice, bob, carol = [await node.account(n) for n in ("alice", "bob", "carol")]
    keys = ClientKeys()
    sub = await call(http, node, "POST", "/api/v1/push/subscription", alice,
                     json=subscription_body(receiver.endpoint("a"), keys, {"mention": True, "favourite": False},
                                            policy="followed"))
    await call(http, node, "POST", f"/api/v1/accounts/{carol.account.id}/follow", alice)
    db = node.app[DB]
    # When bob mentions her, then carol favourites her post
    await call(http, node, "POST", "/api/v1/statuses", bob, json={"status": "@alice from a stranger"})
    post = await call(http, node, "POST", "/api/v1/statuses", alice, json={"status": "hello"})
    await call(http, node, "POST", f"/api/v1/statuses/{post['id']}/favourite", carol)
    # Then nothing is queued: a stranger, and an alert she turned off
    assert await web_push_queue.pending_for(db, [int(sub["id"])]) == 0
    # When carol mentions her
    await call(http, node, "POST", "/api/v1/statuses", carol, json={"status": "@alice from a friend"})
    # Then exactly that is pushed
    pushes = await receiver.wait_for(1)
    assert [decrypt_standard(p, keys)["body"] for p in pushes] == ["@alice from a friend"]
    # When she changes the subscription to favourites from anyone (PUT replaces the data)
    changed = await call(http, node, "PUT", "/api/v1/push/subscription", alice,
                         json={"data": {"alerts": {"favourite": True}, "policy": "all"}})
    assert (changed["alerts"]["favourite"], changed["alerts"]["mention"], changed["policy"]) == (True, False, "all")
    await call(http, node, "POST", f"/api/v1/statuses/{post['id']}/favourite", bob)
    # Then bob's favourite arrives, titled in her language's form
    pushes = await receiver.wait_for(2)
    second = decrypt_standard(pushes[1], keys)
    assert (second["notification_type"], second["title"], second["body"]) == (
        "favourite", "bob favourited your post", "hello")


async def test_subscription_crud_one_per_token(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice with two tokens (two apps), and a token without the push scope
    alice = await node.account("alice")
    phone = await node.account("alice2")
    narrow = await node.account("narrow", scopes="read write")
    keys = ClientKeys()
    body = subscription_body("https://push.example/a", keys, {"follow": True})
    # Then there is none to show at first, and the push scope is required
    await call(http, node, "GET", "/api/v1/push/subscription", alice, expect=404)
    await call(http, node, "POST", "/api/v1/push/subscription", narrow, json=body, expect=403)
    # When she subscribes twice with one token
    first = await call(http, node, "POST", "/api/v1/push/subscription", alice, json=body)
    body["subscription"]["endpoint"] = "https://push.example/b"
    second = await call(http, node, "POST", "/api/v1/push/subscription", alice, json=body)
    # Then the second replaced the first
    shown = await call(http, node, "GET", "/api/v1/push/subscription", alice)
    assert shown == second and shown["id"] != first["id"] and shown["endpoint"] == "https://push.example/b"
    assert_matches("/api/v1/push/subscription", "get", 200, shown)
    # And another token has its own (or none)
    await call(http, node, "GET", "/api/v1/push/subscription", phone, expect=404)
    # When she deletes it
    assert await call(http, node, "DELETE", "/api/v1/push/subscription", alice) == {}
    # Then it is gone, and PUT has nothing to change
    await call(http, node, "GET", "/api/v1/push/subscription", alice, expect=404)
    await call(http, node, "PUT", "/api/v1/push/subscription", alice, json={"data": {"policy": "none"}},
               expect=404)


@pytest.mark.parametrize(("change", "status"), [
    ({"endpoint": None}, 400),
    ({"endpoint": "ftp://push.example/x"}, 422),
    ({"endpoint": "https://user:pw@push.example/x"}, 422),
    ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, 422),
    ({"keys": {"p256dh": "!!not base64!!", "auth": "x"}}, 422),
    ({"keys": None}, 400),
])
async def test_bad_subscriptions_are_refused(node: Node, http: aiohttp.ClientSession, change: dict[str, Any],
                                             status: int) -> None:
    # Given a subscription with one part wrong
    alice = await node.account("alice")
    body = subscription_body("https://push.example/a", ClientKeys(), {"mention": True})
    body["subscription"].update(change)
    body["subscription"] = {k: v for k, v in body["subscription"].items() if v is not None}
    # Then it is refused with Mastodon's error and nothing is stored
    error = await call(http, node, "POST", "/api/v1/push/subscription", alice, json=body, expect=status)
    assert error["error"]
    await call(http, node, "GET", "/api/v1/push/subscription", alice, expect=404)
    # And a bad policy too
    bad = subscription_body("https://push.example/a", ClientKeys(), {}, policy="everyone")
    await call(http, node, "POST", "/api/v1/push/subscription", alice, json=bad, expect=422)


async def test_a_gone_endpoint_removes_the_subscription(
        node: Node, http: aiohttp.ClientSession, receiver: PushReceiver) -> None:
    # Given alice subscribed for follows, and a push service that says the endpoint is gone
    alice, bob = await node.account("alice"), await node.account("bob")
    await call(http, node, "POST", "/api/v1/push/subscription", alice,
               json=subscription_body(receiver.endpoint("gone"), ClientKeys(), {"follow": True}))
    receiver.status = 410
    # When bob follows her
    await call(http, node, "POST", f"/api/v1/accounts/{alice.account.id}/follow", bob)
    await receiver.wait_for(1)
    # Then the subscription is removed, as Mastodon does
    for _ in range(100):
        async with http.get(node.url("/api/v1/push/subscription"), headers=alice.headers) as resp:
            if resp.status == 404:
                break
        await asyncio.sleep(0.05)
    assert resp.status == 404
    assert len(receiver.received) == 1


async def test_a_revoked_token_gets_no_pushes(
        node: Node, http: aiohttp.ClientSession, receiver: PushReceiver) -> None:
    # Given alice subscribed, then signed the app out (token revoked)
    alice, bob = await node.account("alice"), await node.account("bob")
    sub = await call(http, node, "POST", "/api/v1/push/subscription", alice,
                     json=subscription_body(receiver.endpoint("x"), ClientKeys(), {"follow": True}))
    await oauth.revoke_token(node.app[DB], (await oauth.find_token(node.app[DB], alice.token)).id)
    # When bob follows her
    await call(http, node, "POST", f"/api/v1/accounts/{alice.account.id}/follow", bob)
    # Then nothing is queued for that subscription
    assert await web_push_queue.pending_for(node.app[DB], [int(sub["id"])]) == 0


async def test_private_push_endpoints_are_refused_without_the_setting(
        tmp_path: Path, http: aiohttp.ClientSession, receiver: PushReceiver) -> None:
    # Given a node that may not reach private addresses, and a push endpoint on loopback
    path = write_config(tmp_path / "strict")
    path.write_text(path.read_text().replace("allow_private_addresses = true", "allow_private_addresses = false"))
    config = load_config(path)
    await init_node(config)
    runner = web.AppRunner(create_app(config))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", config.http.port).start()
    try:
        node = Node(config, runner.app, config.node.base_url)
        alice, bob = await node.account("alice"), await node.account("bob")
        sub = await call(http, node, "POST", "/api/v1/push/subscription", alice,
                         json=subscription_body(receiver.endpoint("x"), ClientKeys(), {"follow": True}))
        # When bob follows her
        await call(http, node, "POST", f"/api/v1/accounts/{alice.account.id}/follow", bob)
        for _ in range(100):
            if await web_push_queue.pending_for(node.app[DB], [int(sub["id"])]) == 0:
                break
            await asyncio.sleep(0.05)
        # Then the push is dropped unsent: the loopback service heard nothing
        assert await web_push_queue.pending_for(node.app[DB], [int(sub["id"])]) == 0
        assert receiver.received == []
    finally:
        await runner.cleanup()


async def test_claims_are_leased_so_two_workers_never_share_a_push(node: Node, http: aiohttp.ClientSession) -> None:
    # Given three queued pushes
    db = node.app[DB]
    alice, bob = await node.account("alice"), await node.account("bob")
    await call(http, node, "POST", "/api/v1/push/subscription", alice,
               json=subscription_body("https://push.invalid/a", ClientKeys(), {"mention": True}))
    # (the sender of this process must not take them first)
    now = clock.now()
    later = clock.iso(now.replace(year=now.year + 1))
    async with db.write() as w:
        for n in range(3):
            nid = (await w.fetchone("UPDATE id_sequences SET value = value + 1 WHERE name = 'notifications'"
                                    " RETURNING value"))[0]
            await w.execute("INSERT INTO notifications (id, account_id, from_account_id, type, group_key,"
                            " created_at) VALUES (?,?,?,'follow',?,?)",
                            (nid, alice.account.id, bob.account.id, f"ungrouped-{nid}", clock.now_iso()))
            await w.execute("INSERT INTO web_push_queue (notification_id, subscription_id, state,"
                            " next_attempt_at, created_at) SELECT ?, id, 'queued', ?, ? FROM push_subscriptions",
                            (nid, later, later))
    # When two workers claim at once
    lease = clock.iso(now.replace(year=now.year + 2))
    first, second = await asyncio.gather(
        web_push_queue.claim_due(db, now=later, lease_until=lease, limit=2),
        web_push_queue.claim_due(db, now=later, lease_until=lease, limit=2))
    # Then each row went to one of them only
    taken = [(j.notification_id, j.subscription_id) for j in first + second]
    assert len(taken) == 3 == len(set(taken))
    # And none is due again until the lease runs out, when it is
    assert await web_push_queue.claim_due(db, now=later, lease_until=lease, limit=10) == []
    after = clock.iso(now.replace(year=now.year + 3))
    again = await web_push_queue.claim_due(db, now=after, lease_until=after, limit=10)
    assert len(again) == 3 and all(j.attempts == 2 for j in again)

