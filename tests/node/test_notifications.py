"""Notifications v1: what clients list, filter, page, dismiss and count."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from node.keys import DB, IDS
from storage import notifications
from tests.conftest import Node, Session
from tests.openapi import assert_matches


async def call(http: aiohttp.ClientSession, node: Node, method: str, path: str, who: Session | None = None,
               expect: int = 200, **kwargs: Any) -> Any:
    async with http.request(method, node.url(path), headers=who.headers if who else {}, **kwargs) as resp:
        body = await resp.json()
        assert resp.status == expect, (resp.status, body)
        return body


async def sessions(node: Node, *names: str) -> list[Session]:
    return [await node.account(n) for n in names]


async def post_status(http: aiohttp.ClientSession, node: Node, who: Session, text: str, **fields: Any) -> str:
    body = await call(http, node, "POST", "/api/v1/statuses", who, json={"status": text, **fields})
    return str(body["id"])


async def favourite(http: aiohttp.ClientSession, node: Node, who: Session, status_id: str) -> None:
    await call(http, node, "POST", f"/api/v1/statuses/{status_id}/favourite", who)


async def notify_follow(node: Node, follower: Session, target: Session) -> int:
    """Follow endpoints live in another module; a follow notifies like this."""
    async with node.app[DB].write() as w:
        nid = await notifications.notify(w, node.app[IDS], target.account.id, follower.account.id, "follow")
    assert nid is not None
    return nid


async def list_v1(http: aiohttp.ClientSession, node: Node, who: Session, query: str = "") -> list[dict[str, Any]]:
    body = await call(http, node, "GET", "/api/v1/notifications" + query, who)
    assert_matches("/api/v1/notifications", "get", 200, body)
    return body  # type: ignore[no-any-return]


async def test_mention_favourite_and_follow_notify(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice and bob
    alice, bob = await node.account("alice"), await node.account("bob")
    # When bob mentions alice, favourites her post, and follows her
    mention_id = await post_status(http, node, bob, "@alice hello")
    mine = await post_status(http, node, alice, "my post")
    await favourite(http, node, bob, mine)
    await notify_follow(node, bob, alice)
    # Then alice sees three notifications from bob, newest first, in Mastodon's shape
    body = await list_v1(http, node, alice)
    assert [n["type"] for n in body] == ["follow", "favourite", "mention"]
    assert {n["account"]["id"] for n in body} == {str(bob.account.id)}
    assert body[1]["status"]["id"] == mine and body[2]["status"]["id"] == mention_id
    assert "status" not in body[0] and body[0]["group_key"].startswith("follow-")
    assert body[2]["group_key"] == f"ungrouped-{body[2]['id']}"
    # And bob, who caused them, has none
    assert await list_v1(http, node, bob) == []


async def test_types_exclude_types_and_account_filters(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice with a mention from bob, a favourite from carol and a follow from carol
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    await post_status(http, node, bob, "@alice hi")
    await favourite(http, node, carol, await post_status(http, node, alice, "post"))
    await notify_follow(node, carol, alice)
    # When she filters by types[], exclude_types[] and account_id
    only = await list_v1(http, node, alice, "?types[]=mention&types[]=follow")
    without = await list_v1(http, node, alice, "?exclude_types[]=mention")
    from_carol = await list_v1(http, node, alice, f"?account_id={carol.account.id}")
    unknown = await list_v1(http, node, alice, "?types[]=no_such_type")
    # Then each list holds exactly what was asked for
    assert [n["type"] for n in only] == ["follow", "mention"]
    assert [n["type"] for n in without] == ["follow", "favourite"]
    assert [n["type"] for n in from_carol] == ["follow", "favourite"]
    assert unknown == []


async def test_pages_with_link_headers(node: Node, http: aiohttp.ClientSession) -> None:
    # Given five follow notifications
    alice = await node.account("alice")
    ids = [await notify_follow(node, await node.account(f"fan{i}"), alice) for i in range(5)]
    # When alice reads two at a time
    async with http.get(node.url("/api/v1/notifications?limit=2"), headers=alice.headers) as resp:
        first = await resp.json()
        link = resp.headers["Link"]
    # Then the newest two come first and the Link header points past them
    assert [int(n["id"]) for n in first] == ids[:-3:-1]
    assert f"max_id={ids[3]}" in link and f"min_id={ids[4]}" in link and "limit=2" in link
    older = await list_v1(http, node, alice, f"?limit=2&max_id={ids[3]}")
    newer = await list_v1(http, node, alice, f"?limit=2&min_id={ids[0]}")
    since = await list_v1(http, node, alice, f"?limit=2&since_id={ids[0]}")
    assert [int(n["id"]) for n in older] == [ids[2], ids[1]]
    assert [int(n["id"]) for n in newer] == [ids[2], ids[1]]  # right after min_id, newest first
    assert [int(n["id"]) for n in since] == [ids[4], ids[3]]  # the newest, down to since_id


async def test_show_dismiss_and_clear(node: Node, http: aiohttp.ClientSession) -> None:
    # Given two follow notifications for alice
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    first = await notify_follow(node, bob, alice)
    await notify_follow(node, carol, alice)
    # When she reads one and bob tries to read or dismiss it
    shown = await call(http, node, "GET", f"/api/v1/notifications/{first}", alice)
    assert_matches("/api/v1/notifications/{id}", "get", 200, shown)
    await call(http, node, "GET", f"/api/v1/notifications/{first}", bob, expect=404)
    await call(http, node, "POST", f"/api/v1/notifications/{first}/dismiss", bob, expect=404)
    # Then only she can dismiss it, once
    assert await call(http, node, "POST", f"/api/v1/notifications/{first}/dismiss", alice) == {}
    await call(http, node, "GET", f"/api/v1/notifications/{first}", alice, expect=404)
    await call(http, node, "POST", f"/api/v1/notifications/{first}/dismiss", alice, expect=404)
    assert len(await list_v1(http, node, alice)) == 1
    # And clear removes the rest
    assert await call(http, node, "POST", "/api/v1/notifications/clear", alice) == {}
    assert await list_v1(http, node, alice) == []


async def test_unread_count_follows_the_marker(node: Node, http: aiohttp.ClientSession) -> None:
    # Given three notifications, the oldest one read
    alice = await node.account("alice")
    ids = [await notify_follow(node, await node.account(f"fan{i}"), alice) for i in range(3)]
    before = await call(http, node, "GET", "/api/v1/notifications/unread_count", alice)
    await call(http, node, "POST", "/api/v1/markers", alice, json={"notifications": {"last_read_id": str(ids[0])}})
    # When the client asks how many are unread
    after = await call(http, node, "GET", "/api/v1/notifications/unread_count", alice)
    limited = await call(http, node, "GET", "/api/v1/notifications/unread_count?limit=1", alice)
    # Then it counts those newer than the marker, up to the limit
    assert_matches("/api/v1/notifications/unread_count", "get", 200, after)
    assert (before, after, limited) == ({"count": 3}, {"count": 2}, {"count": 1})


async def test_deleted_status_takes_its_notifications(node: Node, http: aiohttp.ClientSession) -> None:
    # Given bob's mention of alice
    alice, bob = await node.account("alice"), await node.account("bob")
    status_id = await post_status(http, node, bob, "@alice look")
    assert len(await list_v1(http, node, alice)) == 1
    # When bob deletes it
    await call(http, node, "DELETE", f"/api/v1/statuses/{status_id}", bob)
    # Then the notification is gone too
    assert await list_v1(http, node, alice) == []


async def test_scopes_and_authentication(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a token that may only read statuses
    reader = await node.account("reader", scopes="read:statuses write:statuses")
    # When it asks for notifications, or clears them; and when nobody is signed in
    await call(http, node, "GET", "/api/v1/notifications", reader, expect=403)
    await call(http, node, "POST", "/api/v1/notifications/clear", reader, expect=403)
    await call(http, node, "GET", "/api/v1/notifications", expect=401)
    # Then a read:notifications token may read but not clear
    narrow = await node.account("narrow", scopes="read:notifications")
    assert await call(http, node, "GET", "/api/v1/notifications", narrow) == []
    await call(http, node, "POST", "/api/v1/notifications/clear", narrow, expect=403)


async def test_blocked_and_suspended_senders_are_not_shown(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice who blocks bob, and carol who follows her and is then suspended
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    await node.app[DB].execute(
        "INSERT INTO blocks (id, account_id, target_id, created_at) VALUES (1, ?, ?, 'x')",
        (alice.account.id, bob.account.id))
    async with node.app[DB].write() as w:
        assert await notifications.notify(w, node.app[IDS], alice.account.id, bob.account.id, "follow") is None
    await notify_follow(node, carol, alice)
    await node.app[DB].execute("UPDATE accounts SET suspended_at = 'x' WHERE id = ?", (carol.account.id,))
    # When alice lists her notifications
    # Then neither appears
    assert await list_v1(http, node, alice) == []


async def test_groups_span_at_most_twelve_hours(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a follow group that started 10 hours ago, and a favourite group 13 hours ago
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    post = await post_status(http, node, alice, "old post")
    hour = int(time.time()) // 3600
    follow_id = await notify_follow(node, bob, alice)
    await favourite(http, node, bob, post)
    db = node.app[DB]
    await db.execute("UPDATE notifications SET group_key = ? WHERE id = ?", (f"follow-{hour - 10}", follow_id))
    await db.execute("UPDATE notifications SET group_key = ? WHERE type = 'favourite'",
                     (f"favourite-{post}-{hour - 13}",))
    # When carol follows alice and favourites the post now
    await notify_follow(node, carol, alice)
    await favourite(http, node, carol, post)
    # Then the follow joins the open group, and the favourite starts a new one
    keys = [n["group_key"] for n in await list_v1(http, node, alice, "?limit=2")]
    assert keys[1] == f"follow-{hour - 10}"
    assert keys[0] in (f"favourite-{post}-{hour}", f"favourite-{post}-{hour + 1}")  # an hour may turn meanwhile
