"""Direct-message conversations on one node: grouped per participant set,
unread state, mark read, remove, paging, deletes, and the direct stream."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.conftest import Node, Session
from tests.openapi import assert_matches


async def call(http: aiohttp.ClientSession, node: Node, method: str, path: str, who: Session,
               expect: int = 200, **kwargs: Any) -> Any:
    async with http.request(method, node.url(path), headers=who.headers, **kwargs) as reply:
        body = await reply.json()
        assert reply.status == expect, body
        return body


async def dm(http: aiohttp.ClientSession, node: Node, who: Session, text: str, **extra: Any) -> dict[str, Any]:
    return await call(http, node, "POST", "/api/v1/statuses", who,
                      json={"status": text, "visibility": "direct", **extra})


async def listed(http: aiohttp.ClientSession, node: Node, who: Session, query: str = "") -> list[dict[str, Any]]:
    return await call(http, node, "GET", f"/api/v1/conversations{query}", who)


def others(conversation: dict[str, Any]) -> list[str]:
    return sorted(a["username"] for a in conversation["accounts"])


async def test_conversations_group_by_thread_and_participants(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob, carol = [await node.account(n) for n in ("alice", "bob", "carol")]
    # When alice writes to bob, then to bob and carol, and posts publicly mentioning bob
    to_bob = await dm(http, node, alice, "@bob hello")
    to_both = await dm(http, node, alice, "@bob @carol hello both")
    await call(http, node, "POST", "/api/v1/statuses", bob, json={"status": "@alice public, not a DM"})
    # Then alice has two conversations, newest first, both read (she wrote them)
    mine = await listed(http, node, alice)
    assert_matches("/api/v1/conversations", "get", 200, mine)
    assert [(others(c), c["last_status"]["id"], c["unread"]) for c in mine] == [
        (["bob", "carol"], to_both["id"], False), (["bob"], to_bob["id"], False)]
    # And bob has the same two, unread; carol only the one she is in
    assert [(others(c), c["unread"]) for c in await listed(http, node, bob)] == [
        (["alice", "carol"], True), (["alice"], True)]
    assert [others(c) for c in await listed(http, node, carol)] == [["alice", "bob"]]

    # When bob answers alice alone in her thread
    answer = await dm(http, node, bob, "@alice hi", in_reply_to_id=to_bob["id"])
    # Then that conversation moves to the top for both, unread for alice, read for bob
    mine = await listed(http, node, alice)
    assert (others(mine[0]), mine[0]["last_status"]["id"], mine[0]["unread"]) == (["bob"], answer["id"], True)
    theirs = await listed(http, node, bob)
    assert (theirs[0]["last_status"]["id"], theirs[0]["unread"]) == (answer["id"], False)


async def test_read_remove_and_paging(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    for name in ("carol", "dave", "erin"):
        await node.account(name)
        await dm(http, node, alice, f"@bob @{name} hi")
    theirs = await listed(http, node, bob)
    assert len(theirs) == 3 and all(c["unread"] for c in theirs)
    # Mark one read: it stays, read
    read = await call(http, node, "POST", f"/api/v1/conversations/{theirs[0]['id']}/read", bob)
    assert_matches("/api/v1/conversations/{id}/read", "post", 200, read)
    assert read["unread"] is False and [c["unread"] for c in await listed(http, node, bob)] == [False, True, True]
    # Paging: two, then the rest by the Link header's max_id (the last status id)
    async with http.get(node.url("/api/v1/conversations?limit=2"), headers=bob.headers) as reply:
        page = await reply.json()
        assert "max_id=" in reply.headers["Link"]
    rest = await listed(http, node, bob, f"?max_id={page[-1]['last_status']['id']}")
    assert [c["id"] for c in [*page, *rest]] == [c["id"] for c in theirs]
    # Remove one: gone from bob's list, not from alice's; another's id is a 404 for bob
    assert await call(http, node, "DELETE", f"/api/v1/conversations/{theirs[1]['id']}", bob) == {}
    assert [c["id"] for c in await listed(http, node, bob)] == [theirs[0]["id"], theirs[2]["id"]]
    assert len(await listed(http, node, alice)) == 3
    alices = (await listed(http, node, alice))[0]["id"]
    await call(http, node, "POST", f"/api/v1/conversations/{alices}/read", bob, expect=404)
    await call(http, node, "DELETE", f"/api/v1/conversations/{alices}", bob, expect=404)


async def test_deleting_the_last_message_falls_back_or_removes(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    first = await dm(http, node, alice, "@bob one")
    second = await dm(http, node, alice, "@bob two", in_reply_to_id=first["id"])
    await call(http, node, "DELETE", f"/api/v1/statuses/{second['id']}", alice)
    assert [c["last_status"]["id"] for c in await listed(http, node, bob)] == [first["id"]]
    await call(http, node, "DELETE", f"/api/v1/statuses/{first['id']}", alice)
    assert await listed(http, node, bob) == [] and await listed(http, node, alice) == []


async def test_a_note_to_self_lists_oneself(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    await dm(http, node, alice, "remember the milk")
    (only,) = await listed(http, node, alice)
    assert others(only) == ["alice"] and only["unread"] is False


async def test_conversations_need_a_user_token_and_scopes(node: Node, http: aiohttp.ClientSession) -> None:
    async with http.get(node.url("/api/v1/conversations")) as reply:
        assert reply.status == 401
    reader = await node.account("reader", scopes="read")
    async with http.post(node.url("/api/v1/conversations/1/read"), headers=reader.headers) as reply:
        assert reply.status == 403
