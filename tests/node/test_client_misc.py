"""Start-up endpoints: markers, preferences, tags and trends, and the empty lists."""

from __future__ import annotations

import aiohttp
import pytest

from node.keys import DB
from tests.conftest import Node
from tests.node.test_notifications import call, favourite, post_status, sessions
from tests.openapi import assert_matches, has_path


async def test_markers_round_trip_with_versions(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a user with no markers
    alice = (await sessions(node, "alice"))[0]
    assert await call(http, node, "GET", "/api/v1/markers?timeline[]=home&timeline[]=notifications", alice) == {}
    # When a client saves home (JSON), then both (form), then home again unchanged
    first = await call(http, node, "POST", "/api/v1/markers", alice, json={"home": {"last_read_id": "100"}})
    both = await call(http, node, "POST", "/api/v1/markers", alice,
                      data={"home[last_read_id]": "200", "notifications[last_read_id]": "7"})
    same = await call(http, node, "POST", "/api/v1/markers", alice, json={"home": {"last_read_id": "200"}})
    # Then each answer holds the markers set, and the version counts changes
    assert_matches("/api/v1/markers", "post", 200, first)
    assert (first["home"]["last_read_id"], first["home"]["version"]) == ("100", 0)
    assert (both["home"]["last_read_id"], both["home"]["version"]) == ("200", 1)
    assert (both["notifications"]["last_read_id"], both["notifications"]["version"]) == ("7", 0)
    assert same["home"]["version"] == 1
    # And reading them back gives only the timelines asked for
    read = await call(http, node, "GET", "/api/v1/markers?timeline[]=notifications", alice)
    assert_matches("/api/v1/markers", "get", 200, read)
    assert list(read) == ["notifications"] and read["notifications"]["last_read_id"] == "7"
    await call(http, node, "POST", "/api/v1/markers", alice, json={"home": {"last_read_id": "x"}}, expect=422)


async def test_preferences_come_from_the_user(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a user who posts followers-only in Chinese by default
    alice = (await sessions(node, "alice"))[0]
    await node.app[DB].execute(
        "UPDATE users SET default_visibility = 'private', default_sensitive = 1, default_language = 'zh'"
        " WHERE account_id = ?", (alice.account.id,))
    # When her client reads preferences
    body = await call(http, node, "GET", "/api/v1/preferences", alice)
    # Then they are hers, in Mastodon's keys
    assert (body["posting:default:visibility"], body["posting:default:sensitive"],
            body["posting:default:language"]) == ("private", True, "zh")
    assert (body["reading:expand:media"], body["reading:expand:spoilers"]) == ("default", False)
    await call(http, node, "GET", "/api/v1/preferences", expect=401)


EMPTY_LISTS = ["/api/v1/custom_emojis", "/api/v1/instance/rules", "/api/v1/instance/peers",
               "/api/v1/announcements", "/api/v1/conversations",
               "/api/v1/endorsements", "/api/v1/featured_tags", "/api/v1/domain_blocks",
               "/api/v1/scheduled_statuses", "/api/v1/trends/links"]


@pytest.mark.parametrize("path", EMPTY_LISTS)
async def test_empty_lists_clients_ask_for(node: Node, http: aiohttp.ClientSession, path: str) -> None:
    # Given a signed-in user
    alice = (await sessions(node, "alice"))[0]
    # When the client asks for a list that a new node has nothing in yet
    body = await call(http, node, "GET", path, alice)
    # Then it is an empty JSON array, valid for Mastodon's schema
    assert body == []
    if has_path(path):
        assert_matches(path, "get", 200, body)


async def test_scoped_empty_lists_still_need_a_token(node: Node, http: aiohttp.ClientSession) -> None:
    # Given no token, and a token without read:statuses
    narrow = await node.account("narrow", scopes="read:accounts")
    # When asking for conversations and scheduled statuses
    # Then Mastodon's 401 and 403 come back, while custom emojis are public
    await call(http, node, "GET", "/api/v1/conversations", expect=401)
    await call(http, node, "GET", "/api/v1/scheduled_statuses", narrow, expect=403)
    assert await call(http, node, "GET", "/api/v1/custom_emojis") == []


async def test_push_announcements_and_description(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a signed-in user
    alice = (await sessions(node, "alice"))[0]
    # When a client looks for its push subscription, dismisses an announcement, reads the description
    await call(http, node, "GET", "/api/v1/push/subscription", alice, expect=404)
    await call(http, node, "POST", "/api/v1/announcements/1/dismiss", alice, expect=404)
    about = await call(http, node, "GET", "/api/v1/instance/extended_description")
    # Then there is none of the first two, and the node's description as HTML
    assert_matches("/api/v1/instance/extended_description", "get", 200, about)
    assert about["content"] == "<p>a node under test</p>"


async def test_follow_and_unfollow_a_tag(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a tag nobody has used yet
    alice = (await sessions(node, "alice"))[0]
    unknown = await call(http, node, "GET", "/api/v1/tags/新闻", alice)
    assert (unknown["name"], unknown["following"], len(unknown["history"])) == ("新闻", False, 7)
    # When alice follows it and lists her followed tags
    followed = await call(http, node, "POST", "/api/v1/tags/新闻/follow", alice)
    listed = await call(http, node, "GET", "/api/v1/followed_tags", alice)
    # Then it exists, she follows it, and it is listed
    assert_matches("/api/v1/tags/{name}/follow", "post", 200, followed)
    assert followed["following"] is True and followed["id"]
    assert_matches("/api/v1/followed_tags", "get", 200, listed)
    assert [t["name"] for t in listed] == ["新闻"]
    # And unfollowing undoes it; an invalid name is 404
    assert (await call(http, node, "POST", "/api/v1/tags/新闻/unfollow", alice))["following"] is False
    assert await call(http, node, "GET", "/api/v1/followed_tags", alice) == []
    await call(http, node, "GET", "/api/v1/tags/123", alice, expect=404)


async def test_trending_tags_and_statuses(node: Node, http: aiohttp.ClientSession) -> None:
    # Given #spam used by three accounts, #fraud by one, and a favourited post
    alice, bob, carol = await sessions(node, "alice", "bob", "carol")
    for who in (alice, bob, carol):
        await post_status(http, node, who, "#spam again")
    liked = await post_status(http, node, alice, "#fraud alert")
    await post_status(http, node, bob, "#hidden tag", visibility="private")
    await favourite(http, node, bob, liked)
    # When anyone reads trends
    tags = await call(http, node, "GET", "/api/v1/trends/tags")
    alias = await call(http, node, "GET", "/api/v1/trends")
    statuses = await call(http, node, "GET", "/api/v1/trends/statuses")
    # Then the most used tag leads, with today's use in its history; private tags do not count
    assert_matches("/api/v1/trends/tags", "get", 200, tags)
    assert [t["name"] for t in tags] == ["spam", "fraud"] == [t["name"] for t in alias]
    assert (tags[0]["history"][0]["uses"], tags[0]["history"][0]["accounts"]) == ("3", "3")
    assert_matches("/api/v1/trends/statuses", "get", 200, statuses)
    assert [s["id"] for s in statuses] == [liked]
