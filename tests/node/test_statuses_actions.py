"""Favourites, boosts, bookmarks, muted threads and pins."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from node.keys import DB
from tests.conftest import Node, Session
from tests.node.test_statuses import follow, get, post, vetting_gate
from tests.openapi import assert_matches


async def act(http: aiohttp.ClientSession, node: Node, who: Session, status_id: str, action: str,
              expect: int = 200, **fields: Any) -> dict[str, Any]:
    async with http.post(node.url(f"/api/v1/statuses/{status_id}/{action}"), headers=who.headers,
                         json=fields) as resp:
        body = await resp.json()
        assert resp.status == expect, body
        if expect == 200:
            assert_matches(f"/api/v1/statuses/{{id}}/{action}", "post", 200, body)
        return body


async def notification_types(node: Node, who: Session) -> list[str]:
    rows = await node.app[DB].fetchall("SELECT type FROM notifications WHERE account_id = ? ORDER BY id",
                                       (who.account.id,))
    return [r[0] for r in rows]


async def test_favourite_and_unfavourite(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice's status
    alice, bob = await node.account("alice"), await node.account("bob")
    status = await post(http, node, alice, status="like me")
    # When bob favourites it (twice: the second is a no-op)
    await act(http, node, bob, status["id"], "favourite")
    faved = await act(http, node, bob, status["id"], "favourite")
    # Then it counts once, shows as favourited to bob, and alice is notified
    assert (faved["favourited"], faved["favourites_count"]) == (True, 1)
    assert await notification_types(node, alice) == ["favourite"]
    by = await get(http, node, f"/api/v1/statuses/{status['id']}/favourited_by")
    assert_matches("/api/v1/statuses/{id}/favourited_by", "get", 200, by)
    assert [a["username"] for a in by] == ["bob"]
    # And bob's favourites list has it
    assert [s["id"] for s in await get(http, node, "/api/v1/favourites", bob)] == [status["id"]]
    # When he takes it back
    undone = await act(http, node, bob, status["id"], "unfavourite")
    # Then the count and the list follow
    assert (undone["favourited"], undone["favourites_count"]) == (False, 0)
    assert await get(http, node, "/api/v1/favourites", bob) == []


async def test_boost_and_unboost(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice's public status
    alice, bob = await node.account("alice"), await node.account("bob")
    status = await post(http, node, alice, status="boost me")
    # When bob boosts it
    boost = await act(http, node, bob, status["id"], "reblog", visibility="unlisted")
    # Then the answer is bob's boost wrapping alice's status
    assert boost["account"]["username"] == "bob" and boost["visibility"] == "unlisted"
    assert boost["reblog"]["id"] == status["id"]
    assert (boost["reblog"]["reblogged"], boost["reblog"]["reblogs_count"]) == (True, 1)
    assert await notification_types(node, alice) == ["reblog"]
    # And boosting again returns the same boost; reblogged_by lists bob
    again = await act(http, node, bob, status["id"], "reblog")
    assert again["id"] == boost["id"]
    by = await get(http, node, f"/api/v1/statuses/{status['id']}/reblogged_by")
    assert [a["username"] for a in by] == ["bob"]
    # When he unboosts
    undone = await act(http, node, bob, status["id"], "unreblog")
    # Then the original comes back unboosted and the boost is gone
    assert (undone["id"], undone["reblogged"], undone["reblogs_count"]) == (status["id"], False, 0)
    await get(http, node, f"/api/v1/statuses/{boost['id']}", expect=404)
    assert await node.app[DB].fetchval("SELECT statuses_count FROM accounts WHERE id = ?",
                                       (bob.account.id,)) == 0


async def test_boosting_private_or_direct_is_refused(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a private status seen by a follower and a direct one seen by its recipient
    alice, bob = await node.account("alice"), await node.account("bob")
    await follow(node, bob, alice)
    private = await post(http, node, alice, status="followers only", visibility="private")
    direct = await post(http, node, alice, status="@bob for you", visibility="direct")
    # Then neither may be boosted by bob: 403 as in Mastodon's StatusPolicy#reblog?
    assert (await act(http, node, bob, private["id"], "reblog", expect=403))["error"]
    await act(http, node, bob, direct["id"], "reblog", expect=403)
    # But alice may boost her own private status, which stays private
    own = await act(http, node, alice, private["id"], "reblog", visibility="public")
    assert own["visibility"] == "private"


async def test_boost_goes_through_the_gate(node: Node, http: aiohttp.ClientSession,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    status = await post(http, node, alice, status="spam offer", spoiler_text="ad")
    calls = vetting_gate(monkeypatch, "review")
    boost = await act(http, node, bob, status["id"], "reblog")
    assert calls == [("reblog", [("status", "spam offer"), ("spoiler_text", "ad")])]
    # A held boost counts nowhere and notifies nobody
    assert boost["reblog"]["reblogs_count"] == 0
    assert await notification_types(node, alice) == []


async def test_bookmarks(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    first = await post(http, node, alice, status="one")
    second = await post(http, node, alice, status="two")
    # When bob bookmarks the second, then the first
    assert (await act(http, node, bob, second["id"], "bookmark"))["bookmarked"] is True
    await act(http, node, bob, first["id"], "bookmark")
    # Then the list is in bookmark order, newest bookmark first, with a Link by bookmark id
    async with http.get(node.url("/api/v1/bookmarks"), headers=bob.headers) as resp:
        listed = await resp.json()
        link = resp.headers["Link"]
    assert_matches("/api/v1/bookmarks", "get", 200, listed)
    assert [s["id"] for s in listed] == [first["id"], second["id"]]
    bookmark_ids = [r[0] for r in await node.app[DB].fetchall("SELECT id FROM bookmarks ORDER BY id DESC")]
    assert f"max_id={bookmark_ids[-1]}" in link and f"min_id={bookmark_ids[0]}" in link
    # And unbookmarking removes it
    assert (await act(http, node, bob, first["id"], "unbookmark"))["bookmarked"] is False
    assert [s["id"] for s in await get(http, node, "/api/v1/bookmarks", bob)] == [second["id"]]


async def test_muting_a_thread_stops_its_notifications(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice muted the thread of her own status
    alice, bob = await node.account("alice"), await node.account("bob")
    status = await post(http, node, alice, status="quiet please")
    muted = await act(http, node, alice, status["id"], "mute")
    assert muted["muted"] is True
    # When bob replies mentioning her and favourites it
    await post(http, node, bob, status="@alice hey", in_reply_to_id=status["id"])
    await act(http, node, bob, status["id"], "favourite")
    # Then she gets no notification; after unmuting she does again
    assert await notification_types(node, alice) == []
    assert (await act(http, node, alice, status["id"], "unmute"))["muted"] is False
    await post(http, node, bob, status="@alice again", in_reply_to_id=status["id"])
    assert await notification_types(node, alice) == ["mention"]


async def test_pins(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    status = await post(http, node, alice, status="pinned post")
    later = await post(http, node, alice, status="not pinned")
    # When alice pins her status
    assert (await act(http, node, alice, status["id"], "pin"))["pinned"] is True
    # Then it is her pinned status; others cannot pin it
    pinned = await get(http, node, f"/api/v1/accounts/{alice.account.id}/statuses?pinned=true")
    assert [s["id"] for s in pinned] == [status["id"]]
    error = await act(http, node, bob, status["id"], "pin", expect=422)
    assert error["error"] == "Validation failed: Someone else's post cannot be pinned"
    assert "pinned" not in await get(http, node, f"/api/v1/statuses/{later['id']}", bob)
    # And unpinning empties the list
    assert (await act(http, node, alice, status["id"], "unpin"))["pinned"] is False
    assert await get(http, node, f"/api/v1/accounts/{alice.account.id}/statuses?pinned=true") == []


async def test_actions_on_invisible_status_are_404(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    private = await post(http, node, alice, status="secret", visibility="private")
    for action in ("favourite", "reblog", "bookmark", "mute", "pin"):
        await act(http, node, bob, private["id"], action, expect=404)
    await act(http, node, bob, "999999", "favourite", expect=404)
