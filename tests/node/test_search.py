"""Search v2: statuses by word (Chinese too), accounts, hashtags, and who may find what."""

from __future__ import annotations

from typing import Any

import aiohttp

from node.keys import DB
from tests.conftest import Node, Session
from tests.node.test_notifications import call, post_status, sessions
from tests.openapi import assert_matches


async def search(http: aiohttp.ClientSession, node: Node, who: Session | None, query: dict[str, str],
                 expect: int = 200) -> dict[str, Any]:
    async with http.get(node.url("/api/v2/search"), params=query, headers=who.headers if who else {}) as resp:
        body = await resp.json()
        assert resp.status == expect, body
    if expect == 200:
        assert_matches("/api/v2/search", "get", 200, body)
    return body  # type: ignore[no-any-return]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [i["id"] for i in items]


async def follow(node: Node, follower: Session, target: Session) -> None:
    """Follow endpoints live in another module; the row is what search reads."""
    await node.app[DB].execute(
        "INSERT INTO follows (id, account_id, target_id, created_at) VALUES (?,?,?,'x')",
        (follower.account.id + target.account.id, follower.account.id, target.account.id))


async def test_chinese_word_finds_the_post(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a post written without spaces, as Chinese is
    alice, bob = await sessions(node, "alice", "bob")
    wanted = await post_status(http, node, alice, "北京市微博客发展管理若干规定今天发布")
    await post_status(http, node, alice, "今天天气很好")
    # When bob searches for a word inside it
    found = await search(http, node, bob, {"q": "微博", "type": "statuses"})
    both = await search(http, node, bob, {"q": "北京 规定"})
    # Then the post is found by that word, and by several words together
    assert ids(found["statuses"]) == [wanted]
    assert ids(both["statuses"]) == [wanted]
    assert (await search(http, node, bob, {"q": "上海"}))["statuses"] == []


async def test_english_is_case_insensitive(node: Node, http: aiohttp.ClientSession) -> None:
    # Given posts in English
    alice, bob = await sessions(node, "alice", "bob")
    wanted = await post_status(http, node, alice, "Fake Invoices are a classic FRAUD")
    await post_status(http, node, alice, "nothing to see")
    # When bob searches in other cases
    # Then the post is found either way, newest matches first
    assert ids((await search(http, node, bob, {"q": "fraud"}))["statuses"]) == [wanted]
    assert ids((await search(http, node, bob, {"q": "INVOICES"}))["statuses"]) == [wanted]
    later = await post_status(http, node, bob, "more fraud talk")
    assert ids((await search(http, node, bob, {"q": "Fraud"}))["statuses"]) == [later, wanted]


async def test_private_statuses_only_for_those_who_may_see_them(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice's public post, then her followers-only and direct ones; bob follows her
    alice, bob, carol, dave = await sessions(node, "alice", "bob", "carol", "dave")
    await follow(node, bob, alice)
    public = await post_status(http, node, alice, "public gambling ads warning")
    private = await post_status(http, node, alice, "secret gambling ads plan", visibility="private")
    direct = await post_status(http, node, alice, "@dave secret gambling ads for you", visibility="direct")

    def found(who: Session | None, **extra: str) -> Any:
        return search(http, node, who, {"q": "gambling", "type": "statuses", **extra})
    # When each of them searches for it
    # Then the author finds all, the follower the private one, the recipient the direct one
    assert ids((await found(alice))["statuses"]) == [direct, private, public]
    assert ids((await found(bob))["statuses"]) == [private, public]
    assert ids((await found(dave))["statuses"]) == [direct, public]
    assert ids((await found(carol))["statuses"]) == [public]
    # And a stranger's one-result page is the public post, not an empty page
    assert ids((await found(carol, limit="1"))["statuses"]) == [public]
    # And without signing in no statuses are searched at all
    assert (await search(http, node, None, {"q": "gambling"}))["statuses"] == []


async def test_statuses_filters_by_account_and_ids(node: Node, http: aiohttp.ClientSession) -> None:
    # Given three posts about spam by two authors
    alice, bob = await sessions(node, "alice", "bob")
    first = await post_status(http, node, alice, "spam one")
    second = await post_status(http, node, bob, "spam two")
    third = await post_status(http, node, alice, "spam three")
    # When searching by author, below an id, and with an offset
    by_alice = await search(http, node, bob, {"q": "spam", "account_id": str(alice.account.id)})
    older = await search(http, node, bob, {"q": "spam", "max_id": third})
    paged = await search(http, node, bob, {"q": "spam", "type": "statuses", "limit": "1", "offset": "1"})
    # Then each narrows the results as asked
    assert ids(by_alice["statuses"]) == [third, first]
    assert ids(older["statuses"]) == [second, first]
    assert ids(paged["statuses"]) == [second]


async def test_accounts_by_prefix_and_exact_handle(node: Node, http: aiohttp.ClientSession) -> None:
    # Given accounts with usernames and display names
    alice, alina, bob = await sessions(node, "alice", "alina", "bob")
    await node.app[DB].execute("UPDATE accounts SET display_name = 'Robert Li' WHERE id = ?", (bob.account.id,))
    await node.app[DB].execute("UPDATE accounts SET display_name = '北京小王' WHERE id = ?", (alina.account.id,))
    domain = node.config.node.domain
    # When searching by prefix, by a display-name word, in Chinese, and by exact handle
    by_prefix = await search(http, node, bob, {"q": "ALI", "type": "accounts"})
    by_word = await search(http, node, alice, {"q": "li", "type": "accounts"})
    chinese = await search(http, node, alice, {"q": "小王"})
    exact = await search(http, node, bob, {"q": f"@alice@{domain}"})
    missing = await search(http, node, bob, {"q": "@alice@elsewhere.example"})
    # Then the matches come back, case-insensitively
    assert sorted(ids(by_prefix["accounts"])) == sorted([str(alice.account.id), str(alina.account.id)])
    assert ids(by_word["accounts"])[-1] == str(bob.account.id)
    assert ids(chinese["accounts"]) == [str(alina.account.id)]
    assert ids(exact["accounts"]) == [str(alice.account.id)] and exact["hashtags"] == []
    assert missing["accounts"] == []


async def test_accounts_exact_match_first_and_following(node: Node, http: aiohttp.ClientSession) -> None:
    # Given "ann" and "anna", and bob following only "anna"
    ann, anna, bob = await sessions(node, "ann", "anna", "bob")
    await follow(node, bob, anna)
    # When bob searches "@ann", and only among accounts he follows
    everyone = await search(http, node, bob, {"q": "@ann"})
    followed = await search(http, node, bob, {"q": "ann", "following": "true"})
    # Then the exact username comes first, and following narrows to anna
    assert ids(everyone["accounts"]) == [str(ann.account.id), str(anna.account.id)]
    assert ids(followed["accounts"]) == [str(anna.account.id)]


async def test_hashtags_by_prefix(node: Node, http: aiohttp.ClientSession) -> None:
    # Given posts with tags
    alice = (await sessions(node, "alice"))[0]
    await post_status(http, node, alice, "#fraudwatch #fraud #微博 #other")
    # When searching with and without the hash sign
    found = await search(http, node, alice, {"q": "#Fraud", "type": "hashtags"})
    chinese = await search(http, node, None, {"q": "微"})
    # Then the tags starting with it come back shortest first, as Tag entities with history
    assert [t["name"] for t in found["hashtags"]] == ["fraud", "fraudwatch"]
    assert found["hashtags"][0]["url"].endswith("/tags/fraud")
    assert len(found["hashtags"][0]["history"]) == 7 and found["hashtags"][0]["history"][0]["uses"] == "1"
    assert found["hashtags"][0]["following"] is False
    assert [t["name"] for t in chinese["hashtags"]] == ["微博"] and "following" not in chinese["hashtags"][0]


async def test_query_rules_and_anonymous_limits(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a node with one user
    alice = (await sessions(node, "alice"))[0]
    # When q is missing, or an anonymous client pages or resolves
    await search(http, node, alice, {"q": ""}, expect=400)
    await search(http, node, None, {"q": "alice", "type": "accounts", "offset": "1"}, expect=401)
    await search(http, node, None, {"q": "alice", "resolve": "true"}, expect=401)
    # Then an anonymous plain search still finds accounts
    assert ids((await search(http, node, None, {"q": "alice"}))["accounts"]) == [str(alice.account.id)]
    # And v1 search is gone, as in Mastodon
    await call(http, node, "GET", "/api/v1/search?q=alice", alice, expect=404)


async def test_resolve_a_known_url(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice and her post
    alice, bob = await sessions(node, "alice", "bob")
    post = await call(http, node, "POST", "/api/v1/statuses", alice, json={"status": "find me by link"})
    # When bob resolves the post's address and alice's profile address
    by_status = await search(http, node, bob, {"q": post["url"], "resolve": "true"})
    by_profile = await search(http, node, bob, {"q": post["account"]["url"], "resolve": "true"})
    # Then each comes back as the one result
    assert ids(by_status["statuses"]) == [post["id"]] and by_status["accounts"] == []
    assert ids(by_profile["accounts"]) == [str(alice.account.id)]
