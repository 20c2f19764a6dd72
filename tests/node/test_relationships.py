"""Follows, follow requests, blocks, mutes and the lists of them, over HTTP."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from node.keys import DB
from tests.conftest import Node, Session
from tests.openapi import assert_matches


async def call(http: aiohttp.ClientSession, node: Node, who: Session, method: str, path: str,
               **kwargs: Any) -> tuple[int, Any]:
    async with http.request(method, node.url(path), headers=who.headers, **kwargs) as resp:
        return resp.status, await resp.json()


async def relationship(http: aiohttp.ClientSession, node: Node, who: Session, target: Session) -> dict[str, Any]:
    status, body = await call(http, node, who, "GET", "/api/v1/accounts/relationships",
                              params={"id[]": str(target.account.id)})
    assert status == 200 and len(body) == 1
    assert_matches("/api/v1/accounts/relationships", "get", 200, body)
    return dict(body[0])


async def counts(http: aiohttp.ClientSession, node: Node, who: Session) -> tuple[int, int]:
    async with http.get(node.url(f"/api/v1/accounts/{who.account.id}")) as resp:
        body = await resp.json()
    return body["followers_count"], body["following_count"]


async def notification_types(node: Node, who: Session) -> list[str]:
    rows = await node.app[DB].fetchall("SELECT type FROM notifications WHERE account_id = ? ORDER BY id",
                                       (who.account.id,))
    return [r[0] for r in rows]


async def test_follow_unfollow_and_relationships(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice and bob
    alice, bob = await node.account("alice"), await node.account("bob")
    # When alice follows bob without boosts, for two languages
    status, rel = await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/follow",
                             json={"reblogs": False, "notify": True, "languages": ["zh", "en"]})
    # Then the Relationship says so, counts move and bob is notified
    assert status == 200
    assert_matches("/api/v1/accounts/{id}/follow", "post", 200, rel)
    assert (rel["following"], rel["showing_reblogs"], rel["notifying"], rel["languages"]) == (True, False, True,
                                                                                              ["zh", "en"])
    assert (rel["requested"], rel["followed_by"]) == (False, False)
    assert await counts(http, node, bob) == (1, 0) and await counts(http, node, alice) == (0, 1)
    assert await notification_types(node, bob) == ["follow"]
    assert (await relationship(http, node, bob, alice))["followed_by"] is True
    # When she follows again with boosts, only that option changes
    status, rel = await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/follow",
                             data={"reblogs": "true"})
    assert (rel["showing_reblogs"], rel["notifying"]) == (True, True)
    assert await counts(http, node, bob) == (1, 0)
    # When she unfollows, everything is undone
    status, rel = await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/unfollow")
    assert status == 200 and rel["following"] is False
    assert await counts(http, node, bob) == (0, 0) and await counts(http, node, alice) == (0, 0)
    # And nobody follows themself
    status, body = await call(http, node, alice, "POST", f"/api/v1/accounts/{alice.account.id}/follow")
    assert status == 403 and body["error"] == "Following your own account is not allowed"
    status, _ = await call(http, node, alice, "POST", "/api/v1/accounts/999/follow")
    assert status == 404


async def test_locked_account_gets_requests(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a locked account and two who ask to follow it
    owner, fan, other = await node.account("owner"), await node.account("fan"), await node.account("other")
    status, _ = await call(http, node, owner, "PATCH", "/api/v1/accounts/update_credentials", data={"locked": "true"})
    assert status == 200
    for who in (fan, other):
        status, rel = await call(http, node, who, "POST", f"/api/v1/accounts/{owner.account.id}/follow")
        assert (status, rel["requested"], rel["following"]) == (200, True, False)
    # Then the owner sees both requests and was notified of each
    status, listed = await call(http, node, owner, "GET", "/api/v1/follow_requests")
    assert [a["username"] for a in listed] == ["other", "fan"]
    assert await notification_types(node, owner) == ["follow_request", "follow_request"]
    assert (await relationship(http, node, owner, fan))["requested_by"] is True
    # When the owner authorises one (by account id) and rejects the other
    status, rel = await call(http, node, owner, "POST", f"/api/v1/follow_requests/{fan.account.id}/authorize")
    assert_matches("/api/v1/follow_requests/{account_id}/authorize", "post", 200, rel)
    assert (rel["followed_by"], rel["requested_by"]) == (True, False)
    status, rel = await call(http, node, owner, "POST", f"/api/v1/follow_requests/{other.account.id}/reject")
    assert (status, rel["requested_by"]) == (200, False)
    # Then the fan follows, the other does not, no request is left and counts agree
    assert (await relationship(http, node, fan, owner))["following"] is True
    assert (await relationship(http, node, other, owner))["requested"] is False
    assert (await call(http, node, owner, "GET", "/api/v1/follow_requests"))[1] == []
    assert await counts(http, node, owner) == (1, 0)
    assert await notification_types(node, owner) == []
    # And rejecting a request that does not exist is 404
    status, _ = await call(http, node, owner, "POST", f"/api/v1/follow_requests/{other.account.id}/reject")
    assert status == 404


async def test_unlocking_accepts_pending_requests(node: Node, http: aiohttp.ClientSession) -> None:
    owner, fan = await node.account("owner"), await node.account("fan")
    await call(http, node, owner, "PATCH", "/api/v1/accounts/update_credentials", data={"locked": "true"})
    await call(http, node, fan, "POST", f"/api/v1/accounts/{owner.account.id}/follow")
    # When the owner unlocks the account
    await call(http, node, owner, "PATCH", "/api/v1/accounts/update_credentials", data={"locked": "false"})
    # Then the request became a follow
    assert (await relationship(http, node, fan, owner))["following"] is True


async def test_block_removes_follows_both_ways(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice and bob following each other
    alice, bob = await node.account("alice"), await node.account("bob")
    await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/follow")
    await call(http, node, bob, "POST", f"/api/v1/accounts/{alice.account.id}/follow")
    assert await counts(http, node, alice) == (1, 1)
    # When alice blocks bob
    status, rel = await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/block")
    # Then neither follows the other and counts are back to zero
    assert status == 200
    assert (rel["blocking"], rel["following"], rel["followed_by"]) == (True, False, False)
    assert await counts(http, node, alice) == (0, 0) and await counts(http, node, bob) == (0, 0)
    assert (await relationship(http, node, bob, alice))["blocked_by"] is True
    # And bob may not follow her again
    status, _ = await call(http, node, bob, "POST", f"/api/v1/accounts/{alice.account.id}/follow")
    assert status == 403
    # And she sees him in her blocks until she unblocks
    status, listed = await call(http, node, alice, "GET", "/api/v1/blocks")
    assert [a["id"] for a in listed] == [str(bob.account.id)]
    status, rel = await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/unblock")
    assert rel["blocking"] is False
    assert (await call(http, node, alice, "GET", "/api/v1/blocks"))[1] == []


async def test_mute_with_and_without_notifications(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    # When alice mutes bob for an hour, keeping his notifications
    status, rel = await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/mute",
                             data={"notifications": "false", "duration": "3600"})
    assert (status, rel["muting"], rel["muting_notifications"]) == (200, True, False)
    assert rel["muting_expires_at"] is not None
    # Then his follow still notifies her
    await call(http, node, bob, "POST", f"/api/v1/accounts/{alice.account.id}/follow")
    assert await notification_types(node, alice) == ["follow"]
    status, listed = await call(http, node, alice, "GET", "/api/v1/mutes")
    assert_matches("/api/v1/mutes", "get", 200, listed)
    assert listed[0]["mute_expires_at"] == rel["muting_expires_at"]
    # When she mutes him for good, with notifications (the default)
    status, rel = await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/mute")
    assert (rel["muting_notifications"], rel["muting_expires_at"]) == (True, None)
    status, rel = await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/unmute")
    assert rel["muting"] is False


async def test_followers_pagination_link_headers(node: Node, http: aiohttp.ClientSession) -> None:
    # Given five followers of star
    star = await node.account("star")
    fans = [await node.account(f"fan{i}") for i in range(5)]
    for fan in fans:
        await call(http, node, fan, "POST", f"/api/v1/accounts/{star.account.id}/follow")
    # When a client reads two at a time, following the Link headers
    url: str | None = node.url(f"/api/v1/accounts/{star.account.id}/followers?limit=2")
    seen: list[str] = []
    links: list[str] = []
    while url:
        async with http.get(url) as resp:
            page = await resp.json()
            link = resp.headers.get("Link", "")
        assert_matches("/api/v1/accounts/{id}/followers", "get", 200, page)
        seen += [a["username"] for a in page]
        links.append(link)
        found = re.search(r'<([^>]+)>; rel="next"', link)
        url = found.group(1) if found else None
    # Then every follower comes once, newest follow first, and the last page has no "next"
    assert seen == [f"fan{i}" for i in reversed(range(5))]
    assert 'rel="next"' in links[0] and 'rel="prev"' in links[0] and "max_id=" in links[0]
    assert "limit=2" in links[0] and "min_id=" in links[0]
    assert 'rel="next"' not in links[-1]
    # And the prev link of the second page leads back to the first
    prev = re.search(r'<([^>]+)>; rel="prev"', links[1])
    assert prev is not None
    async with http.get(prev.group(1)) as resp:
        assert [a["username"] for a in await resp.json()] == ["fan4", "fan3"]
    # And following lists the other direction
    async with http.get(node.url(f"/api/v1/accounts/{fans[0].account.id}/following")) as resp:
        assert [a["username"] for a in await resp.json()] == ["star"]


async def test_familiar_followers_and_empty_lists(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob, carol = await node.account("alice"), await node.account("bob"), await node.account("carol")
    # Given alice follows bob, who follows carol
    await call(http, node, alice, "POST", f"/api/v1/accounts/{bob.account.id}/follow")
    await call(http, node, bob, "POST", f"/api/v1/accounts/{carol.account.id}/follow")
    # When alice asks who she knows among carol's and bob's followers
    status, body = await call(http, node, alice, "GET", "/api/v1/accounts/familiar_followers",
                              params=[("id[]", str(carol.account.id)), ("id[]", str(bob.account.id))])
    assert_matches("/api/v1/accounts/familiar_followers", "get", 200, body)
    assert [(f["id"], [a["username"] for a in f["accounts"]]) for f in body] == [
        (str(carol.account.id), ["bob"]), (str(bob.account.id), [])]
    for path in ("featured_tags", "identity_proofs"):
        status, listed = await call(http, node, alice, "GET", f"/api/v1/accounts/{bob.account.id}/{path}")
        assert (status, listed) == (200, [])
