"""Polls through the client API, as Mastodon has them: creation with a
status, the Poll entity (voted/own_votes for the viewer, hidden totals),
votes and their refusals, edits, and the `poll` notifications at the end."""

from __future__ import annotations

from typing import Any

import aiohttp

from node.keys import DB
from node.poll_setup import sweep_polls
from tests.conftest import Node, Session
from tests.node.test_screening_api import snode  # noqa: F401 (a fixture)
from tests.node.test_statuses import follow, get, post
from tests.openapi import assert_matches

PAST = "2000-01-01T00:00:00.000Z"


async def poll_post(http: aiohttp.ClientSession, node: Node, who: Session, options: list[str],
                    expect: int = 200, **poll: Any) -> dict[str, Any]:
    fields = {"status": "which one?", "visibility": poll.pop("visibility", "public"),
              "poll": {"options": options, "expires_in": poll.pop("expires_in", 3600), **poll}}
    return await post(http, node, who, expect, **fields)


async def vote(http: aiohttp.ClientSession, node: Node, who: Session, poll_id: str, choices: list[Any],
               expect: int = 200) -> dict[str, Any]:
    async with http.post(node.url(f"/api/v1/polls/{poll_id}/votes"), json={"choices": choices},
                         headers=who.headers) as resp:
        body = await resp.json()
        assert resp.status == expect, body
        if expect == 200:
            assert_matches("/api/v1/polls/{id}/votes", "post", 200, body)
        return body


async def end_poll(node: Node, poll_id: str) -> None:
    """Move the poll's end into the past (the clock, as far as it can tell)."""
    await node.app[DB].execute("UPDATE polls SET expires_at = ? WHERE id = ?", (PAST, int(poll_id)))


async def test_a_status_with_a_poll_carries_it(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice
    alice, bob = await node.account("alice"), await node.account("bob")
    # When she posts a status with a poll
    status = await poll_post(http, node, alice, ["tea", "coffee", "water"])
    # Then the status carries Mastodon's Poll entity, and she counts as having voted
    assert_matches("/api/v1/statuses", "post", 200, status)
    poll = status["poll"]
    assert [o["title"] for o in poll["options"]] == ["tea", "coffee", "water"]
    assert [o["votes_count"] for o in poll["options"]] == [0, 0, 0]
    assert (poll["multiple"], poll["expired"], poll["votes_count"], poll["voters_count"]) == (False, False, 0, 0)
    assert (poll["voted"], poll["own_votes"], poll["emojis"]) == (True, [], [])
    assert poll["expires_at"] > status["created_at"]
    # And a visitor reads it without voted/own_votes, bob with them
    anonymous = await get(http, node, f"/api/v1/polls/{poll['id']}")
    assert_matches("/api/v1/polls/{id}", "get", 200, anonymous)
    assert "voted" not in anonymous and "own_votes" not in anonymous
    seen = await get(http, node, f"/api/v1/statuses/{status['id']}", bob)
    assert_matches("/api/v1/statuses/{id}", "get", 200, seen)
    assert (seen["poll"]["voted"], seen["poll"]["own_votes"]) == (False, [])
    assert await get(http, node, "/api/v1/polls/424242", expect=404) == {"error": "Record not found"}


async def test_votes_count_once_and_the_rules_hold(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice's single-choice poll and two readers
    alice, bob, carol = await node.account("alice"), await node.account("bob"), await node.account("carol")
    poll = (await poll_post(http, node, alice, ["tea", "coffee"]))["poll"]
    # When bob votes for coffee
    after = await vote(http, node, bob, poll["id"], [1])
    # Then the counts move and he sees his vote
    assert [o["votes_count"] for o in after["options"]] == [0, 1]
    assert (after["votes_count"], after["voters_count"], after["voted"], after["own_votes"]) == (1, 1, True, [1])
    # And Mastodon's refusals hold
    refusals = [
        (bob, [0], "You have already voted on this poll"),
        (carol, [0, 1], "You have already voted on this poll"),  # two choices on a single-choice poll
        (carol, [2], "The chosen vote option does not exist"),
        (carol, ["tea"], "The chosen vote option does not exist"),
        (alice, [0], "You cannot vote in your own polls"),
    ]
    for who, choices, error in refusals:
        body = await vote(http, node, who, poll["id"], choices, expect=422)
        assert body["error"] == f"Validation failed: {error}"
    # And voting needs write:statuses
    reader = await node.account("reader", scopes="read")
    async with http.post(node.url(f"/api/v1/polls/{poll['id']}/votes"), json={"choices": [0]},
                         headers=reader.headers) as resp:
        assert resp.status == 403
    # And nothing else was counted
    assert (await get(http, node, f"/api/v1/polls/{poll['id']}", carol))["votes_count"] == 1
    # And once it has ended nobody may vote
    await end_poll(node, poll["id"])
    body = await vote(http, node, carol, poll["id"], [0], expect=422)
    assert body["error"] == "Validation failed: The poll has already ended"
    ended = await get(http, node, f"/api/v1/polls/{poll['id']}", carol)
    assert ended["expired"] is True and ended["expires_at"] == PAST


async def test_multiple_choice_counts_voters_once(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    poll = (await poll_post(http, node, alice, ["a", "b", "c"], multiple=True))["poll"]
    assert poll["multiple"] is True
    # When bob picks two options, then a third later
    await vote(http, node, bob, poll["id"], [0, 2])
    after = await vote(http, node, bob, poll["id"], [1])
    # Then there are three votes by one voter
    assert (after["votes_count"], after["voters_count"], after["own_votes"]) == (3, 1, [0, 1, 2])
    # But the same option twice is refused
    body = await vote(http, node, bob, poll["id"], [0], expect=422)
    assert body["error"] == "Validation failed: You have already voted on this poll"


async def test_hidden_totals_show_to_the_author_and_at_the_end(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    poll = (await poll_post(http, node, alice, ["yes", "no"], hide_totals=True))["poll"]
    voted = await vote(http, node, bob, poll["id"], [0])
    # Then bob sees no counts per option while it is open; alice does
    assert [o["votes_count"] for o in voted["options"]] == [None, None] and voted["votes_count"] == 1
    mine = await get(http, node, f"/api/v1/polls/{poll['id']}", alice)
    assert [o["votes_count"] for o in mine["options"]] == [1, 0]
    # And everyone does once it has ended
    await end_poll(node, poll["id"])
    assert [o["votes_count"] for o in (await get(http, node, f"/api/v1/polls/{poll['id']}", bob))["options"]] \
        == [1, 0]


async def test_form_encoded_poll_settings(node: Node, http: aiohttp.ClientSession) -> None:
    # Given Mastodon.py's form encoding
    alice = await node.account("alice")
    form = aiohttp.FormData([("status", "pick"), ("poll[options][]", "a"), ("poll[options][]", "b"),
                             ("poll[expires_in]", "300"), ("poll[multiple]", "true"),
                             ("poll[hide_totals]", "false")])
    async with http.post(node.url("/api/v1/statuses"), data=form, headers=alice.headers) as resp:
        body = await resp.json()
        assert resp.status == 200, body
    assert body["poll"]["multiple"] is True and len(body["poll"]["options"]) == 2


async def test_a_private_poll_is_seen_and_voted_on_by_followers_only(node: Node,
                                                                     http: aiohttp.ClientSession) -> None:
    alice, bob, carol = await node.account("alice"), await node.account("bob"), await node.account("carol")
    await follow(node, bob, alice)
    poll = (await poll_post(http, node, alice, ["a", "b"], visibility="private"))["poll"]
    await vote(http, node, bob, poll["id"], [0])
    await get(http, node, f"/api/v1/polls/{poll['id']}", carol, expect=404)
    await vote(http, node, carol, poll["id"], [0], expect=404)


async def test_edits_keep_or_reset_votes_as_mastodon(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    status = await poll_post(http, node, alice, ["a", "b"])
    await vote(http, node, bob, status["poll"]["id"], [1])

    async def edit(**fields: Any) -> dict[str, Any]:
        async with http.put(node.url(f"/api/v1/statuses/{status['id']}"), json=fields,
                            headers=alice.headers) as resp:
            body = await resp.json()
            assert resp.status == 200, body
            assert_matches("/api/v1/statuses/{id}", "put", 200, body)
            return body

    # When alice edits the text and sends the same options: the vote stays
    kept = await edit(status="which one, really?", poll={"options": ["a", "b"], "expires_in": 600})
    assert kept["poll"]["votes_count"] == 1 and kept["poll"]["id"] == status["poll"]["id"]
    # When she changes the options: every vote is void
    changed = await edit(status="which one, really?", poll={"options": ["a", "c"], "expires_in": 600})
    assert [o["title"] for o in changed["poll"]["options"]] == ["a", "c"]
    assert changed["poll"]["votes_count"] == 0
    assert (await get(http, node, f"/api/v1/polls/{status['poll']['id']}", bob))["own_votes"] == []
    # When she edits without a poll: it is removed
    removed = await edit(status="no poll now")
    assert removed["poll"] is None
    await get(http, node, f"/api/v1/polls/{status['poll']['id']}", bob, expect=404)


async def test_the_end_notifies_author_and_voters_once(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice's poll at the shortest expiry, with bob's vote and carol watching
    alice, bob, carol = await node.account("alice"), await node.account("bob"), await node.account("carol")
    status = await poll_post(http, node, alice, ["a", "b"], expires_in=300)
    await vote(http, node, bob, status["poll"]["id"], [0])
    # When the sweep runs before the end, nothing happens
    assert await sweep_polls(node.app) == 0
    # When the end has come and the sweep runs (twice)
    await end_poll(node, status["poll"]["id"])
    await sweep_polls(node.app)
    await sweep_polls(node.app)
    # Then alice and bob each have one `poll` notification, carol none
    for who, expected in ((alice, 1), (bob, 1), (carol, 0)):
        found = await get(http, node, "/api/v1/notifications", who)
        assert_matches("/api/v1/notifications", "get", 200, found)
        polls = [n for n in found if n["type"] == "poll"]
        assert len(polls) == expected
        if polls:
            assert polls[0]["status"]["id"] == status["id"] and polls[0]["status"]["poll"]["expired"] is True
            assert polls[0]["account"]["id"] == str(alice.account.id)


async def test_a_rejected_option_names_the_category(snode: Node, http: aiohttp.ClientSession) -> None:
    alice = await snode.account("alice")
    body = await poll_post(http, snode, alice, ["tea", "online casino"], expect=422)
    assert "gambling" in body["error"] and "casino" not in body["error"]
    assert await snode.app[DB].fetchval("SELECT count(*) FROM polls") == 0
    assert await snode.app[DB].fetchval("SELECT count(*) FROM statuses") == 0
