"""Behaviour that spans features: filters on statuses, lists after unfollow."""

from __future__ import annotations

import aiohttp

from tests.conftest import Node


async def test_own_keyword_filter_marks_statuses(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice filters the word "spoilers" with a warning
    alice, bob = await node.account("alice"), await node.account("bob")
    async with http.post(node.url("/api/v2/filters"), headers=alice.headers, json={
            "title": "No spoilers", "context": ["home", "public"], "filter_action": "warn",
            "keywords_attributes": [{"keyword": "spoilers", "whole_word": True}]}) as resp:
        assert resp.status == 200
    async with http.post(node.url("/api/v1/statuses"), json={"status": "big spoilers ahead"},
                         headers=bob.headers) as resp:
        status_id = (await resp.json())["id"]
    # When alice and bob read the status
    async with http.get(node.url(f"/api/v1/statuses/{status_id}"), headers=alice.headers) as resp:
        seen_by_alice = await resp.json()
    async with http.get(node.url(f"/api/v1/statuses/{status_id}"), headers=bob.headers) as resp:
        seen_by_bob = await resp.json()
    # Then only alice's copy carries her filter's result
    assert seen_by_alice["filtered"][0]["filter"]["title"] == "No spoilers"
    assert seen_by_alice["filtered"][0]["keyword_matches"] == ["spoilers"]
    assert seen_by_bob["filtered"] == []
    # And alice's own post with the word is not filtered for her, as in Mastodon
    async with http.post(node.url("/api/v1/statuses"), json={"status": "my spoilers"},
                         headers=alice.headers) as resp:
        assert (await resp.json())["filtered"] == []


async def test_unfollow_removes_from_lists(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    async with http.post(node.url(f"/api/v1/accounts/{bob.account.id}/follow"), headers=alice.headers) as resp:
        assert resp.status == 200
    async with http.post(node.url("/api/v1/lists"), json={"title": "friends"}, headers=alice.headers) as resp:
        list_id = (await resp.json())["id"]
    members = node.url(f"/api/v1/lists/{list_id}/accounts")
    async with http.post(members, json={"account_ids": [str(bob.account.id)]}, headers=alice.headers) as resp:
        assert resp.status == 200
    async with http.post(node.url(f"/api/v1/accounts/{bob.account.id}/unfollow"), headers=alice.headers) as resp:
        assert resp.status == 200
    async with http.get(members, headers=alice.headers) as resp:
        assert await resp.json() == []
