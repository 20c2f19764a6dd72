"""Two real nodes federating: Create into a home timeline, Follow and Accept,
boosts (fetched, never trusted when embedded by someone else), likes, edits,
deletes, undo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from federation.vocab import PUBLIC
from node.keys import DB, IDS
from storage import relationships, remote
from storage.relationships import FollowOptions
from tests.conftest import Node, Session
from tests.federation.nodes import (
    Peers,
    create,
    follow_remote,
    mutual_peers,
    note,
    remote_account,
    settle,
    signed_post,
)

@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path)
    yield started
    await started.close()


async def home_timeline(http: aiohttp.ClientSession, node: Node, session: Session) -> list[dict[str, object]]:
    async with http.get(node.url("/api/v1/timelines/home"), headers=session.headers) as resp:
        assert resp.status == 200
        return await resp.json()


async def test_create_reaches_a_local_followers_home_timeline(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = await home.account("alice")
    bob = (await peer.account("bob")).account
    # Given alice on home follows bob on peer
    await follow_remote(home, alice.account, bob)
    # When bob's Create arrives, mentioning alice, with a hashtag and unsafe HTML
    obj = note(bob, 1, content='<p>hi <span class="h-card"><a href="x" class="u-url mention">@alice</a></span>'
                              '<script>alert(1)</script><b style="x">#tea</b></p>',
               tag=[{"type": "Mention", "href": alice.account.uri, "name": "@alice"},
                    {"type": "Hashtag", "href": "https://x/tags/tea", "name": "#tea"}])
    resp = await signed_post(http, home.url("/users/alice/inbox"), create(bob, obj), peer, bob)
    assert resp.status == 202
    assert await settle(home) == {"done": 1}
    # Then alice sees it in her home timeline, sanitised, with its tag, and is notified
    timeline = await home_timeline(http, home, alice)
    assert [s["uri"] for s in timeline] == [obj["id"]]
    status = timeline[0]
    assert "<script>" not in status["content"] and "style" not in status["content"]
    assert status["account"]["acct"] == f"bob@{peer.config.node.domain}"
    assert [t["name"] for t in status["tags"]] == ["tea"] and status["visibility"] == "public"
    async with http.get(home.url("/api/v1/notifications"), headers=alice.headers) as nresp:
        assert [n["type"] for n in await nresp.json()] == ["mention"]


async def test_follow_is_accepted_across_nodes(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob = (await peer.account("bob")).account
    # Given bob's node records its follow request of alice
    alice_there = await remote_account(peer, alice)
    await relationships.follow(peer.app[DB], peer.app[IDS], bob.id, alice_there.id, FollowOptions(), as_request=True)
    follow_id = f"{bob.uri}#follows/1"
    async with peer.app[DB].write() as w:
        await remote.set_follow_uri(w, bob.id, alice_there.id, follow_id)
    # When bob's Follow reaches alice (not locked)
    follow = {"id": follow_id, "type": "Follow", "actor": bob.uri, "object": alice.uri}
    assert (await signed_post(http, home.url("/users/alice/inbox"), follow, peer, bob)).status == 202
    await settle(home)
    # Then alice has a follower, and her Accept made bob's request a follow on his node
    bob_here = await remote.find_account_by_key_id(home.app[DB], bob.public_key_id)
    assert bob_here is not None
    assert (await relationships.relationships(home.app[DB], alice.id, [bob_here.id]))[bob_here.id].followed_by
    assert await settle(peer, expect=1) == {"done": 1}
    # (the Accept went through the durable delivery queue)
    sent = await home.app[DB].fetchall("SELECT state, activity_json FROM deliveries")
    assert [(r[0], '"Accept"' in r[1]) for r in sent] == [("done", True)]
    rel = (await relationships.relationships(peer.app[DB], bob.id, [alice_there.id]))[alice_there.id]
    assert rel.following and not rel.requested
    # And an Undo of the Follow ends it
    undo = {"id": f"{follow_id}/undo", "type": "Undo", "actor": bob.uri, "object": follow}
    assert (await signed_post(http, home.url("/inbox"), undo, peer, bob)).status == 202
    await settle(home)
    assert not (await relationships.relationships(home.app[DB], alice.id, [bob_here.id]))[bob_here.id].followed_by


async def test_locked_account_gets_a_request(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = await home.account("alice")
    await home.app[DB].execute("UPDATE accounts SET locked = 1 WHERE id = ?", (alice.account.id,))
    bob = (await peer.account("bob")).account
    follow = {"id": f"{bob.uri}#follows/2", "type": "Follow", "actor": bob.uri, "object": alice.account.uri}
    assert (await signed_post(http, home.url("/inbox"), follow, peer, bob)).status == 202
    await settle(home)
    async with http.get(home.url("/api/v1/follow_requests"), headers=alice.headers) as resp:
        assert [a["acct"] for a in await resp.json()] == [f"bob@{peer.config.node.domain}"]


async def test_announce_embedded_by_another_is_fetched_not_trusted(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = await home.account("alice")
    bob = (await peer.account("bob")).account
    dave = await peer.account("dave")
    await follow_remote(home, alice.account, bob)
    async with http.post(peer.url("/api/v1/statuses"), data={"status": "the real words"},
                         headers=dave.headers) as resp:
        real = await resp.json()
    # bob announces dave's status, embedding a forged copy
    forged = {"id": real["uri"], "type": "Note", "attributedTo": dave.account.uri, "to": [PUBLIC],
              "content": "<p>buy followers here</p>"}
    announce = {"id": f"{bob.uri}/statuses/9/activity", "type": "Announce", "actor": bob.uri,
                "object": forged, "to": [PUBLIC], "cc": [bob.followers_url]}
    assert (await signed_post(http, home.url("/inbox"), announce, peer, bob)).status == 202
    assert await settle(home) == {"done": 1}
    # the original was fetched from its own host: the real words, never the forged ones
    stored = await remote.find_status_by_uri(home.app[DB], real["uri"])
    assert stored is not None and "the real words" in stored.content
    assert await home.app[DB].fetchval("SELECT count(*) FROM statuses WHERE content LIKE '%buy followers%'") == 0
    timeline = await home_timeline(http, home, alice)
    assert timeline[0]["reblog"]["uri"] == real["uri"]
    # an embedded object of someone else that does not exist is dropped
    ghost = {**forged, "id": f"{dave.account.uri}/statuses/404"}
    fake = {**announce, "id": f"{bob.uri}/statuses/10/activity", "object": ghost}
    assert (await signed_post(http, home.url("/inbox"), fake, peer, bob)).status == 202
    assert (await settle(home)).get("dropped") == 1


async def test_like_update_delete(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = await home.account("alice")
    bob = (await peer.account("bob")).account
    await follow_remote(home, alice.account, bob)
    async with http.post(home.url("/api/v1/statuses"), data={"status": "tea time"}, headers=alice.headers) as resp:
        mine = await resp.json()
    like = {"id": f"{bob.uri}#likes/1", "type": "Like", "actor": bob.uri, "object": mine["uri"]}
    obj = note(bob, 5)
    for activity in (like, create(bob, obj)):
        assert (await signed_post(http, home.url("/inbox"), activity, peer, bob)).status == 202
    await settle(home)
    async with http.get(home.url(f"/api/v1/statuses/{mine['id']}"), headers=alice.headers) as resp:
        assert (await resp.json())["favourites_count"] == 1
    async with http.get(home.url("/api/v1/notifications"), headers=alice.headers) as resp:
        assert [n["type"] for n in await resp.json()] == ["favourite"]
    # bob boosts alice's status, then undoes the boost and the like
    boost = {"id": f"{bob.uri}/statuses/77/activity", "type": "Announce", "actor": bob.uri,
             "object": mine["uri"], "to": [PUBLIC]}
    assert (await signed_post(http, home.url("/inbox"), boost, peer, bob)).status == 202
    await settle(home)
    async with http.get(home.url(f"/api/v1/statuses/{mine['id']}"), headers=alice.headers) as resp:
        assert (await resp.json())["reblogs_count"] == 1
    for inner in (boost, like):
        undo = {"id": f"{inner['id']}/undo", "type": "Undo", "actor": bob.uri, "object": inner}
        assert (await signed_post(http, home.url("/inbox"), undo, peer, bob)).status == 202
    await settle(home)
    async with http.get(home.url(f"/api/v1/statuses/{mine['id']}"), headers=alice.headers) as resp:
        counts = await resp.json()
    assert (counts["reblogs_count"], counts["favourites_count"]) == (0, 0)
    edited = {**obj, "content": "<p>edited words</p>", "updated": "2026-11-23T09:00:00Z"}
    update = {"id": f"{obj['id']}#updates/1", "type": "Update", "actor": bob.uri, "object": edited}
    assert (await signed_post(http, home.url("/inbox"), update, peer, bob)).status == 202
    await settle(home)
    row = await remote.find_status_by_uri(home.app[DB], obj["id"])
    assert row is not None and row.content == "<p>edited words</p>" and row.edited_at
    delete = {"id": f"{obj['id']}#delete", "type": "Delete", "actor": bob.uri,
              "object": {"id": obj["id"], "type": "Tombstone"}}
    assert (await signed_post(http, home.url("/inbox"), delete, peer, bob)).status == 202
    await settle(home)
    row = await remote.find_status_by_uri(home.app[DB], obj["id"])
    assert row is not None and row.deleted_at is not None


async def test_unsolicited_content_is_dropped(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    await home.account("alice")
    bob = (await peer.account("bob")).account
    # Given nobody here follows bob, and bob mentions nobody here
    assert (await signed_post(http, home.url("/inbox"), create(bob, note(bob, 1)), peer, bob)).status == 202
    # Then his Create is accepted at the door but not stored (Mastodon's related_to_local_activity?)
    assert await settle(home) == {"dropped": 1}
    assert await home.app[DB].fetchval("SELECT count(*) FROM statuses") == 0
