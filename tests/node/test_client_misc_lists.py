"""Lists: CRUD, members (who may be added), and the lists an account is in."""

from __future__ import annotations

import aiohttp

from tests.conftest import Node
from tests.node.test_notifications import call, sessions
from tests.node.test_search import follow
from tests.openapi import assert_matches


async def test_list_crud(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a user
    alice, bob = await sessions(node, "alice", "bob")
    # When she creates, renames and reads a list
    made = await call(http, node, "POST", "/api/v1/lists", alice, json={"title": "Friends"})
    assert_matches("/api/v1/lists", "post", 200, made)
    changed = await call(http, node, "PUT", f"/api/v1/lists/{made['id']}", alice,
                         data={"title": "Close friends", "replies_policy": "followed", "exclusive": "true"})
    # Then the list has the new values, and only she sees it
    assert (made["replies_policy"], made["exclusive"]) == ("list", False)
    assert (changed["title"], changed["replies_policy"], changed["exclusive"]) == ("Close friends", "followed", True)
    listed = await call(http, node, "GET", "/api/v1/lists", alice)
    assert_matches("/api/v1/lists", "get", 200, listed)
    assert listed == [changed]
    assert await call(http, node, "GET", "/api/v1/lists", bob) == []
    await call(http, node, "GET", f"/api/v1/lists/{made['id']}", bob, expect=404)
    # And bad values are refused; deleting removes it
    await call(http, node, "POST", "/api/v1/lists", alice, json={"title": " "}, expect=422)
    await call(http, node, "PUT", f"/api/v1/lists/{made['id']}", alice, json={"replies_policy": "all"}, expect=422)
    assert await call(http, node, "DELETE", f"/api/v1/lists/{made['id']}", alice) == {}
    await call(http, node, "GET", f"/api/v1/lists/{made['id']}", alice, expect=404)


async def test_list_members_must_be_followed(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice following bob and carol, but not dave
    alice, bob, carol, dave = await sessions(node, "alice", "bob", "carol", "dave")
    await follow(node, alice, bob)
    await follow(node, alice, carol)
    made = await call(http, node, "POST", "/api/v1/lists", alice, json={"title": "Work"})
    members = f"/api/v1/lists/{made['id']}/accounts"
    # When she adds the accounts she follows, then dave, then bob again
    assert await call(http, node, "POST", members, alice,
                      data={"account_ids[]": [str(bob.account.id), str(carol.account.id)]}) == {}
    await call(http, node, "POST", members, alice, json={"account_ids": [str(dave.account.id)]}, expect=422)
    await call(http, node, "POST", members, alice, json={"account_ids": [str(bob.account.id)]}, expect=422)
    await call(http, node, "POST", members, alice, json={"account_ids": ["999"]}, expect=404)
    # Then the list holds bob and carol, page by page
    everyone = await call(http, node, "GET", members, alice)
    assert_matches("/api/v1/lists/{id}/accounts", "get", 200, everyone)
    assert sorted(a["id"] for a in everyone) == sorted([str(bob.account.id), str(carol.account.id)])
    async with http.get(node.url(members + "?limit=1"), headers=alice.headers) as resp:
        assert len(await resp.json()) == 1 and 'rel="next"' in resp.headers["Link"]
    assert len(await call(http, node, "GET", members + "?limit=0", alice)) == 2
    # And bob's lists, seen by alice, include this one; removing him takes him out
    of_bob = await call(http, node, "GET", f"/api/v1/accounts/{bob.account.id}/lists", alice)
    assert [entry["id"] for entry in of_bob] == [made["id"]]
    assert await call(http, node, "DELETE", members, alice, json={"account_ids": [str(bob.account.id)]}) == {}
    assert [a["id"] for a in await call(http, node, "GET", members, alice)] == [str(carol.account.id)]
