"""Grouped notifications (v2): groups, their accounts, dismissal, unread groups."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.conftest import Node
from tests.node.test_notifications import call, favourite, notify_follow, post_status, sessions
from tests.openapi import assert_matches


async def grouped(http: aiohttp.ClientSession, node: Node, who: Any, query: str = "") -> dict[str, Any]:
    body = await call(http, node, "GET", "/api/v2/notifications" + query, who)
    assert_matches("/api/v2/notifications", "get", 200, body)
    return body  # type: ignore[no-any-return]


async def test_two_favourites_of_one_status_make_one_group(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice's post favourited by bob and carol, and a mention from bob
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    post = await post_status(http, node, alice, "favourite me")
    await favourite(http, node, bob, post)
    await favourite(http, node, carol, post)
    mention = await post_status(http, node, bob, "@alice and a mention")
    # When alice reads grouped notifications
    body = await grouped(http, node, alice)
    # Then the favourites are one group of two with both accounts, newest first
    groups = body["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in groups] == [("mention", 1), ("favourite", 2)]
    fav = groups[1]
    assert fav["group_key"].startswith(f"favourite-{post}-")
    assert fav["sample_account_ids"] == [str(carol.account.id), str(bob.account.id)]
    assert fav["status_id"] == post and groups[0]["status_id"] == mention
    assert fav["latest_page_notification_at"].endswith("Z")
    # And accounts and statuses are listed once each, beside the groups
    assert {a["id"] for a in body["accounts"]} == {str(bob.account.id), str(carol.account.id)}
    assert sorted(s["id"] for s in body["statuses"]) == sorted([post, mention])
    assert "partial_accounts" not in body
    # And, as in Mastodon, the page spans its groups' newest notifications: bob's older
    # favourite is below it, so it comes again on the next page for the client to merge
    assert fav["page_min_id"] == fav["page_max_id"] == fav["most_recent_notification_id"]
    assert all(isinstance(g["most_recent_notification_id"], str) for g in body["notification_groups"])
    older = await grouped(http, node, alice, f"?max_id={fav['page_min_id']}")
    assert [(g["group_key"], g["notifications_count"], g["sample_account_ids"])
            for g in older["notification_groups"]] == [(fav["group_key"], 1, [str(bob.account.id)])]


async def test_grouped_types_and_filters(node: Node, http: aiohttp.ClientSession) -> None:
    # Given two favourites of one post and a follow
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    post = await post_status(http, node, alice, "post")
    await favourite(http, node, bob, post)
    await favourite(http, node, carol, post)
    await notify_follow(node, bob, alice)
    # When the client lets only follows group, or excludes favourites
    only_follows = await grouped(http, node, alice, "?grouped_types[]=follow")
    no_favs = await grouped(http, node, alice, "?exclude_types[]=favourite")
    # Then favourites come one per group, keyed ungrouped-{id}
    groups = only_follows["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in groups] == [("follow", 1), ("favourite", 1),
                                                                       ("favourite", 1)]
    assert all(g["group_key"] == f"ungrouped-{g['most_recent_notification_id']}" for g in groups[1:])
    assert [g["type"] for g in no_favs["notification_groups"]] == ["follow"]


async def test_group_page_size_counts_groups(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a follow group of three, and after it two mentions
    alice, *fans = await sessions(node, "alice", "f1", "f2", "f3")
    for fan in fans:
        await notify_follow(node, fan, alice)
    await post_status(http, node, fans[0], "@alice one")
    await post_status(http, node, fans[1], "@alice two")
    # When alice asks for two groups, then for the next page
    async with http.get(node.url("/api/v2/notifications?limit=2"), headers=alice.headers) as resp:
        first = await resp.json()
        link = resp.headers["Link"]
    next_url = link.split(";")[0].strip("<>")
    async with http.get(next_url, headers=alice.headers) as resp:
        second = await resp.json()
    # Then the first page holds the two mentions and the next one the whole follow group
    assert [g["type"] for g in first["notification_groups"]] == ["mention", "mention"]
    follows = second["notification_groups"]
    assert [(g["type"], g["notifications_count"]) for g in follows] == [("follow", 3)]
    assert follows[0]["sample_account_ids"] == [str(f.account.id) for f in reversed(fans)]


async def test_one_group_its_accounts_and_dismissal(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a follow group of two
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    await notify_follow(node, bob, alice)
    await notify_follow(node, carol, alice)
    key = (await grouped(http, node, alice))["notification_groups"][0]["group_key"]
    # When the client reads that group and its accounts
    one = await call(http, node, "GET", f"/api/v2/notifications/{key}", alice)
    who = await call(http, node, "GET", f"/api/v2/notifications/{key}/accounts", alice)
    # Then it is the group, without page fields, and both followers newest first
    assert_matches("/api/v2/notifications/{group_key}", "get", 200, one)
    assert_matches("/api/v2/notifications/{group_key}/accounts", "get", 200, who)
    assert one["notification_groups"][0]["notifications_count"] == 2
    assert "page_min_id" not in one["notification_groups"][0]
    assert [a["id"] for a in who] == [str(carol.account.id), str(bob.account.id)]
    # And bob cannot see it, while dismissing it removes the whole group for alice
    await call(http, node, "GET", f"/api/v2/notifications/{key}", bob, expect=404)
    assert await call(http, node, "POST", f"/api/v2/notifications/{key}/dismiss", alice) == {}
    await call(http, node, "GET", f"/api/v2/notifications/{key}", alice, expect=404)
    assert (await grouped(http, node, alice))["notification_groups"] == []


async def test_partial_avatars_keep_only_the_latest_account_in_full(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a follow group of two
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    await notify_follow(node, bob, alice)
    await notify_follow(node, carol, alice)
    # When the client asks for partial avatars, or for an unknown expansion
    body = await grouped(http, node, alice, "?expand_accounts=partial_avatars")
    await call(http, node, "GET", "/api/v2/notifications?expand_accounts=everything", alice, expect=400)
    # Then the newest follower is in full and the other one partial
    assert [a["id"] for a in body["accounts"]] == [str(carol.account.id)]
    assert [a["id"] for a in body["partial_accounts"]] == [str(bob.account.id)]
    assert set(body["partial_accounts"][0]) >= {"acct", "avatar", "avatar_static", "bot", "locked", "url"}


async def test_boosts_group_on_the_original_status(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice's post boosted by bob and carol
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    post = await post_status(http, node, alice, "boost me")
    for who in (bob, carol):
        await call(http, node, "POST", f"/api/v1/statuses/{post}/reblog", who)
    # When alice reads her notifications, flat and grouped
    flat = await call(http, node, "GET", "/api/v1/notifications", alice)
    groups = (await grouped(http, node, alice))["notification_groups"]
    # Then each boost shows her post, and both are one group about it
    assert [(n["type"], n["status"]["id"]) for n in flat] == [("reblog", post), ("reblog", post)]
    assert [(g["notifications_count"], g["status_id"]) for g in groups] == [(2, post)]
    # And when bob takes his boost back, his notification goes with it
    await call(http, node, "POST", f"/api/v1/statuses/{post}/unreblog", bob)
    assert [n["account"]["id"] for n in await call(http, node, "GET", "/api/v1/notifications", alice)] == [
        str(carol.account.id)]


async def test_unread_count_counts_groups_after_the_marker(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a mention (read), then three follows and another mention
    alice, bob, *fans = await sessions(node, "alice", "bob", "f1", "f2", "f3")
    await post_status(http, node, bob, "@alice read this")
    read = (await call(http, node, "GET", "/api/v1/notifications", alice))[0]["id"]
    await call(http, node, "POST", "/api/v1/markers", alice, data={"notifications[last_read_id]": read})
    for fan in fans:
        await notify_follow(node, fan, alice)
    await post_status(http, node, bob, "@alice unread")
    # When the client asks for unread groups, and for unread notifications
    groups = await call(http, node, "GET", "/api/v2/notifications/unread_count", alice)
    flat = await call(http, node, "GET", "/api/v1/notifications/unread_count", alice)
    # Then three follows are one group: two unread groups, four unread notifications
    assert_matches("/api/v2/notifications/unread_count", "get", 200, groups)
    assert (groups, flat) == ({"count": 2}, {"count": 4})


async def test_policy_and_requests_say_nothing_is_filtered(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a signed-in user
    alice = (await sessions(node, "alice"))[0]
    # When the web client reads the notification policy and the filtered requests
    policy = await call(http, node, "GET", "/api/v2/notifications/policy", alice)
    requests = await call(http, node, "GET", "/api/v1/notifications/requests", alice)
    # Then everything is accepted and nothing waits
    assert_matches("/api/v2/notifications/policy", "get", 200, policy)
    assert policy["summary"] == {"pending_requests_count": 0, "pending_notifications_count": 0}
    assert requests == []
