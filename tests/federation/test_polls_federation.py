"""Polls between two live nodes, driven through each node's client API:
a poll posted on one appears with its options on the other, a vote there
counts here, the debounced Update carries the new counts back, and the end
reaches both; plus the inbound rules (screened options, votes only while
open, once per actor and choice)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from federation.polls import vote_activity
from node.keys import DB, IDS
from node.poll_setup import sweep_polls
from storage import clock, relationships, remote
from storage.relationships import FollowOptions
from tests.federation.e2e import Client
from tests.federation.nodes import (Peers, create, mutual_peers, note, quiet, remote_account, signed_get,
                                    signed_post)
from tests.openapi import assert_matches

PAST = "2000-01-01T00:00:00.000Z"


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path, screened=True)
    yield started
    await started.close()


async def poll_of(client: Client, uri: str) -> dict[str, Any]:
    status = await client.find(uri)
    assert status is not None and status["poll"] is not None, status
    return status["poll"]


async def test_a_poll_travels_and_its_votes_come_back(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    carol = Client(home, await home.account("carol"), http)
    bob = Client(peer, await peer.account("bob"), http)
    # Given bob (on peer) follows alice (on home)
    await bob.follow(alice)
    await quiet(peers.nodes)
    # When alice posts a poll
    posted = await alice.post("tea or coffee?", poll={"options": ["tea", "coffee"], "expires_in": 3600})
    await quiet(peers.nodes)
    # Then home serves it as a Question
    status_row = await remote.find_status_by_uri(home.app[DB], posted["uri"])
    assert status_row is not None
    code, doc = await signed_get(http, posted["uri"], peer, bob.session.account)
    assert code == 200 and doc["type"] == "Question" and "endTime" in doc and doc["votersCount"] == 0
    assert doc["oneOf"] == [{"type": "Note", "name": t, "replies": {"type": "Collection", "totalItems": 0}}
                            for t in ("tea", "coffee")]
    # And bob sees the poll with its options through his own node's API
    there = await poll_of(bob, posted["uri"])
    assert_matches("/api/v1/polls/{id}", "get", 200, there)
    assert [o["title"] for o in there["options"]] == ["tea", "coffee"]
    assert (there["voted"], there["expired"], there["multiple"]) == (False, False, False)

    # When bob votes for coffee there, and carol for tea here
    voted = await bob.call("POST", f"/api/v1/polls/{there['id']}/votes", json={"choices": [1]})
    assert voted["own_votes"] == [1] and voted["votes_count"] == 1
    await carol.call("POST", f"/api/v1/polls/{posted['poll']['id']}/votes", json={"choices": [0]})
    await quiet(peers.nodes)
    # Then home counts both
    here = await alice.get(f"/api/v1/polls/{posted['poll']['id']}")
    assert [o["votes_count"] for o in here["options"]] == [1, 1] and here["voters_count"] == 2
    assert await home.app[DB].fetchval("SELECT count(*) FROM poll_votes WHERE uri IS NOT NULL") == 1

    # When the debounced Update is due and home's sweep sends it
    assert await sweep_polls(home.app, clock.now() + dt.timedelta(minutes=4)) == 1
    await quiet(peers.nodes)
    # Then bob's node shows home's counts, with no edit recorded
    there = await poll_of(bob, posted["uri"])
    assert [o["votes_count"] for o in there["options"]] == [1, 1] and there["own_votes"] == [1]
    assert (await bob.find(posted["uri"]) or {})["edited_at"] is None

    # When the poll ends at home and both nodes sweep
    await home.app[DB].execute("UPDATE polls SET expires_at = ?", (PAST,))
    await sweep_polls(home.app)
    await quiet(peers.nodes)
    await sweep_polls(peer.app)
    # Then the end travelled (closed) and each node told its people
    assert (await poll_of(bob, posted["uri"]))["expired"] is True
    assert ("poll", "alice") in await alice.notifications()
    assert ("poll", "alice") in await carol.notifications()
    assert ("poll", alice.acct) in await bob.notifications()


def question(author: Any, number: int, options: list[str], **extra: Any) -> dict[str, Any]:
    items = [{"type": "Note", "name": o, "replies": {"type": "Collection", "totalItems": 2}} for o in options]
    return note(author, number, content="<p>choose</p>", type="Question", oneOf=items,
                endTime="2099-01-01T00:00:00Z", votersCount=4, **extra)


async def test_inbound_questions_are_screened_and_stored(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    bob = (await peer.account("bob")).account
    mention = {"tag": [{"type": "Mention", "href": alice.session.account.uri, "name": "@alice"}]}
    # When bob's node sends a Question whose option is refused, and a clean one
    bad, good = question(bob, 1, ["tea", "online casino"], **mention), question(bob, 2, ["tea", "milk"], **mention)
    for obj in (bad, good):
        assert (await signed_post(http, home.url("/inbox"), create(bob, obj), peer, bob)).status == 202
    await quiet(peers.nodes)
    # Then the refused one is dropped naming the category; the clean one is a poll here
    assert await remote.find_status_by_uri(home.app[DB], bad["id"]) is None
    reasons = [r[0] for r in await home.app[DB].fetchall("SELECT error FROM inbox_activities WHERE error IS NOT NULL")]
    assert any("gambling" in (r or "") for r in reasons)
    row = await remote.find_status_by_uri(home.app[DB], good["id"])
    assert row is not None
    status = await alice.status(str(row.id))
    poll = status["poll"]
    assert [(o["title"], o["votes_count"]) for o in poll["options"]] == [("tea", 2), ("milk", 2)]
    assert (poll["voters_count"], poll["expires_at"]) == (4, "2099-01-01T00:00:00.000Z")


async def test_inbound_votes_count_once_and_only_while_open(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    bob = (await peer.account("bob")).account
    posted = await alice.post("a or b?", poll={"options": ["a", "b"], "expires_in": 3600, "multiple": True})
    await quiet(peers.nodes)
    inbox = home.url("/inbox")

    async def send(vote_id: int, title: str) -> None:
        activity = vote_activity(bob.uri, alice.session.account.uri, posted["uri"], vote_id, title)
        assert (await signed_post(http, inbox, activity, peer, bob)).status == 202
        await quiet(peers.nodes)

    # When bob's node sends his vote for a twice (two activities), then for b
    await send(1, "a")
    await send(2, "a")
    await send(3, "b")
    poll = await alice.get(f"/api/v1/polls/{posted['poll']['id']}")
    # Then a counts once, b once, and bob is one voter
    assert [o["votes_count"] for o in poll["options"]] == [1, 1] and poll["voters_count"] == 1
    # When the poll has ended, a vote is not counted
    await home.app[DB].execute("UPDATE polls SET expires_at = ?", (PAST,))
    carol = (await peer.account("carol")).account
    activity = vote_activity(carol.uri, alice.session.account.uri, posted["uri"], 4, "a")
    assert (await signed_post(http, inbox, activity, peer, carol)).status == 202
    await quiet(peers.nodes)
    assert (await alice.get(f"/api/v1/polls/{posted['poll']['id']}"))["votes_count"] == 2
    reasons = [r[0] for r in await home.app[DB].fetchall("SELECT error FROM inbox_activities WHERE error IS NOT NULL")]
    assert any("already voted" in r for r in reasons) and any("ended" in r for r in reasons)


async def test_a_followers_only_poll_counts_only_its_followers(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    bob, carol = (await peer.account("bob")).account, (await peer.account("carol")).account
    bob_here = await remote_account(home, bob)  # bob follows alice; carol does not
    await relationships.follow(home.app[DB], home.app[IDS], bob_here.id, alice.session.account.id,
                               FollowOptions(), as_request=False)
    posted = await alice.post("a or b?", visibility="private",
                              poll={"options": ["a", "b"], "expires_in": 3600})
    await quiet(peers.nodes)
    inbox = home.url("/inbox")
    for number, voter in enumerate((bob, carol), start=1):
        activity = vote_activity(voter.uri, alice.session.account.uri, posted["uri"], number, "a")
        assert (await signed_post(http, inbox, activity, peer, voter)).status == 202
    await quiet(peers.nodes)
    # Then only the follower's vote counts
    poll = await alice.get(f"/api/v1/polls/{posted['poll']['id']}")
    assert poll["votes_count"] == 1 and poll["voters_count"] == 1
    reasons = [r[0] for r in await home.app[DB].fetchall("SELECT error FROM inbox_activities WHERE error IS NOT NULL")]
    assert any("cannot see the poll" in r for r in reasons)
