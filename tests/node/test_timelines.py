"""Home, public, hashtag, list and account timelines."""

from __future__ import annotations

import aiohttp

from node.keys import DB
from tests.conftest import Node, Session
from tests.node.test_statuses import follow, get, post
from tests.node.test_statuses_actions import act
from tests.openapi import assert_matches


async def accounts(node: Node, *names: str) -> list[Session]:
    return [await node.account(n) for n in names]


def ids(statuses: list[dict]) -> list[str]:
    return [s["id"] for s in statuses]


async def test_home_shows_own_and_followed_statuses(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice follows bob but not carol
    alice, bob, carol = await accounts(node, "alice", "bob", "carol")
    await follow(node, alice, bob)
    mine = await post(http, node, alice, status="mine")
    bobs = await post(http, node, bob, status="bob's")
    bobs_private = await post(http, node, bob, status="bob's followers only", visibility="private")
    await post(http, node, carol, status="carol's")
    boost = await act(http, node, bob, (await post(http, node, carol, status="boosted"))["id"], "reblog")
    # When alice reads her home timeline
    home = await get(http, node, "/api/v1/timelines/home", alice)
    # Then it holds her own, bob's (private too) and bob's boost, newest first, and nothing of carol's own
    assert_matches("/api/v1/timelines/home", "get", 200, home)
    assert ids(home) == [boost["id"], bobs_private["id"], bobs["id"], mine["id"]]
    assert home[0]["reblog"]["account"]["username"] == "carol"


async def test_home_leaves_out_muted_blocked_frozen_and_hidden_boosts(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice follows bob, carol (frozen: peer permit revoked) and dave (boosts hidden)
    alice, bob, carol, dave, eve, frank = await accounts(node, "alice", "bob", "carol", "dave", "eve", "frank")
    await follow(node, alice, bob)
    await follow(node, alice, carol, frozen=1)
    await follow(node, alice, dave)
    db = node.app[DB]
    await db.execute("UPDATE follows SET show_reblogs = 0 WHERE account_id = ? AND target_id = ?",
                     (alice.account.id, dave.account.id))
    bobs = await post(http, node, bob, status="bob")
    await post(http, node, carol, status="carol")
    daves = await post(http, node, dave, status="dave")
    await act(http, node, dave, bobs["id"], "reblog")
    await act(http, node, bob, (await post(http, node, eve, status="eve"))["id"], "reblog")
    await act(http, node, bob, (await post(http, node, frank, status="frank"))["id"], "reblog")
    # And she mutes eve and blocks frank, whose statuses bob boosted
    await db.execute("INSERT INTO mutes (id, account_id, target_id, created_at) VALUES (1, ?, ?, 'x')",
                     (alice.account.id, eve.account.id))
    await db.execute("INSERT INTO blocks (id, account_id, target_id, created_at) VALUES (1, ?, ?, 'x')",
                     (alice.account.id, frank.account.id))
    # Then home has bob's and dave's own statuses only
    assert ids(await get(http, node, "/api/v1/timelines/home", alice)) == [daves["id"], bobs["id"]]


async def test_home_replies_and_direct_messages(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice follows bob; bob replies to carol (whom alice does not follow) and to alice
    alice, bob, carol = await accounts(node, "alice", "bob", "carol")
    await follow(node, alice, bob)
    to_carol = await post(http, node, carol, status="carol")
    mine = await post(http, node, alice, status="alice")
    await post(http, node, bob, status="reply to carol", in_reply_to_id=to_carol["id"])
    to_alice = await post(http, node, bob, status="reply to alice", in_reply_to_id=mine["id"])
    dm = await post(http, node, bob, status="@alice secret", visibility="direct")
    await post(http, node, bob, status="@carol other secret", visibility="direct")
    # Then like Mastodon, replies to strangers stay out; replies to her and DMs to her are in
    assert ids(await get(http, node, "/api/v1/timelines/home", alice)) == [dm["id"], to_alice["id"], mine["id"]]


async def test_public_timeline_local_and_remote(node: Node, http: aiohttp.ClientSession) -> None:
    # Given public, unlisted and private posts, a reply to someone else and a boost
    alice, bob = await node.account("alice"), await node.account("bob")
    public = await post(http, node, alice, status="public")
    await post(http, node, alice, status="unlisted", visibility="unlisted")
    await post(http, node, alice, status="private", visibility="private")
    await post(http, node, bob, status="reply", in_reply_to_id=public["id"])
    await act(http, node, bob, public["id"], "reblog")
    # Then the public timeline, local or not, has only the public original
    body = await get(http, node, "/api/v1/timelines/public")
    assert_matches("/api/v1/timelines/public", "get", 200, body)
    assert ids(body) == [public["id"]]
    assert ids(await get(http, node, "/api/v1/timelines/public?local=true")) == [public["id"]]
    assert await get(http, node, "/api/v1/timelines/public?remote=true") == []
    assert await get(http, node, "/api/v1/timelines/public?only_media=true") == []


async def test_tag_timeline_with_chinese_hashtag(node: Node, http: aiohttp.ClientSession) -> None:
    # Given posts tagged #微博, #新闻 or both, and one private
    alice = await node.account("alice")
    weibo = await post(http, node, alice, status="第一条 #微博")
    news = await post(http, node, alice, status="#新闻 today")
    both = await post(http, node, alice, status="#微博 and #新闻")
    await post(http, node, alice, status="#微博 private", visibility="private")
    # When a client reads the tag timeline (the path percent-encoded, as clients send it)
    body = await get(http, node, "/api/v1/timelines/tag/%E5%BE%AE%E5%8D%9A")
    # Then it lists the public posts with the tag, newest first
    assert_matches("/api/v1/timelines/tag/{hashtag}", "get", 200, body)
    assert ids(body) == [both["id"], weibo["id"]]
    # And any[], all[] and none[] combine tags as Mastodon does
    tag = "/api/v1/timelines/tag/微博"
    assert ids(await get(http, node, f"{tag}?any[]=新闻")) == [both["id"], news["id"], weibo["id"]]
    assert ids(await get(http, node, f"{tag}?all[]=新闻")) == [both["id"]]
    assert ids(await get(http, node, f"{tag}?none[]=新闻")) == [weibo["id"]]
    assert await get(http, node, f"{tag}?all[]=unknown") == []
    assert await get(http, node, "/api/v1/timelines/tag/nothing") == []


async def test_account_statuses_respect_visibility_and_filters(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    other = await post(http, node, bob, status="bob's")
    public = await post(http, node, alice, status="public #news")
    private = await post(http, node, alice, status="private", visibility="private")
    reply = await post(http, node, alice, status="reply", in_reply_to_id=other["id"])
    boost = await act(http, node, alice, other["id"], "reblog")
    path = f"/api/v1/accounts/{alice.account.id}/statuses"
    # A stranger sees the public ones; alice sees all of hers
    body = await get(http, node, path, bob)
    assert_matches("/api/v1/accounts/{id}/statuses", "get", 200, body)
    assert ids(body) == [boost["id"], reply["id"], public["id"]]
    assert ids(await get(http, node, path, alice)) == [boost["id"], reply["id"], private["id"], public["id"]]
    # The filters Mastodon clients use on profiles
    assert ids(await get(http, node, f"{path}?exclude_replies=true", bob)) == [boost["id"], public["id"]]
    assert ids(await get(http, node, f"{path}?exclude_reblogs=true", bob)) == [reply["id"], public["id"]]
    assert ids(await get(http, node, f"{path}?tagged=news", bob)) == [public["id"]]
    assert await get(http, node, f"{path}?only_media=true", bob) == []
    await get(http, node, "/api/v1/accounts/42/statuses", expect=404)


async def test_list_timeline(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice's list holding bob (the list endpoints belong to another module)
    alice, bob, carol = await accounts(node, "alice", "bob", "carol")
    await follow(node, alice, bob)
    db = node.app[DB]
    await db.execute("INSERT INTO lists (id, account_id, title, created_at) VALUES (7, ?, 'friends', 'x')",
                     (alice.account.id,))
    await db.execute("INSERT INTO list_accounts (list_id, account_id) VALUES (7, ?)", (bob.account.id,))
    bobs = await post(http, node, bob, status="bob")
    await post(http, node, carol, status="carol")
    # Then the list timeline has bob's status; another user's view of the list is a 404
    body = await get(http, node, "/api/v1/timelines/list/7", alice)
    assert_matches("/api/v1/timelines/list/{list_id}", "get", 200, body)
    assert ids(body) == [bobs["id"]]
    await get(http, node, "/api/v1/timelines/list/7", carol, expect=404)


async def test_home_requires_a_token(node: Node, http: aiohttp.ClientSession) -> None:
    async with http.get(node.url("/api/v1/timelines/home")) as resp:
        assert resp.status == 401
