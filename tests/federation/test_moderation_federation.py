"""Moderation across nodes (issue #6): forwarded reports arrive as Flags
from the instance actor; a local suspension reaches the peers as a Delete
of the actor and its lifting as an Update; sanctions of remote accounts
stay on this node."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from federation import vocab
from federation.instance_actor import INSTANCE_SIGNER
from federation.vocab import PUBLIC
from node.keys import DB, FEDERATION, IDS
from node.moderation_setup import federate_expiry
from policy import sanctions as sanction_policy
from storage import account_reach, origin_suspensions, relationships, remote
from storage.accounts import AccountRow, find_account_by_uri, get_account
from storage.relationships import FollowOptions
from tests.conftest import Node, Session
from tests.federation.nodes import (
    AP_HEADERS,
    Peers,
    create,
    follow_remote,
    mutual_peers,
    note,
    permit,
    remote_account,
    settle,
    signed_post,
    start_peers,
)
from tests.federation.test_delivery_support import add_follow
from tests.federation.test_delivery_support import remote_account as remote_row

@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path)
    yield started
    await started.close()


async def _call(http: aiohttp.ClientSession, node: Node, who: Session, method: str, path: str,
                expect: int = 200, **kwargs: Any) -> Any:
    async with http.request(method, node.url(path), headers=who.headers, **kwargs) as resp:
        body = await resp.json(content_type=None)
        assert resp.status == expect, (path, resp.status, body)
        return body


async def _sent(node: Node, kind: str) -> list[tuple[dict[str, Any], str, int, str]]:
    """(activity, inbox, signer, state) of every delivery of this type."""
    rows = await node.app[DB].fetchall(
        "SELECT activity_json, inbox_url, signer_account_id, state FROM deliveries ORDER BY id")
    out = [(json.loads(r[0]), r[1], r[2], r[3]) for r in rows]
    return [o for o in out if o[0]["type"] == kind]


async def _wait_delivered(node: Node, tries: int = 200) -> None:
    for _ in range(tries):
        if not await node.app[DB].fetchval("SELECT count(*) FROM deliveries WHERE state IN ('queued','in_flight')"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("deliveries still pending")


async def _audit_actions(node: Node) -> list[str]:
    return [r[0] for r in await node.app[DB].fetchall("SELECT action FROM audit_log ORDER BY id")]


async def _remote_status(home: Node, peer: Node, http: aiohttp.ClientSession, author: Session,
                         text: str) -> tuple[dict[str, Any], int]:
    """`author` (on peer) posts; the status reaches `home` (someone there follows the author)."""
    posted = await _call(http, peer, author, "POST", "/api/v1/statuses", json={"status": text})
    obj = note(author.account, int(posted["id"]), content=f"<p>{text}</p>")
    assert obj["id"] == posted["uri"]
    before = await home.app[DB].fetchval("SELECT count(*) FROM inbox_activities")
    assert (await signed_post(http, home.url("/inbox"), create(author.account, obj), peer,
                              author.account)).status == 202
    await settle(home, expect=before + 1)
    stored = await remote.find_status_by_uri(home.app[DB], posted["uri"])
    assert stored is not None
    return posted, stored.id


# ---- reports ------------------------------------------------------------------------

async def test_forwarded_report_arrives_as_a_flag_from_the_instance_actor(
        peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice, bob = await home.account("alice"), await peer.account("bob")
    bob_here = await follow_remote(home, alice.account, bob.account)
    posted, status_here = await _remote_status(home, peer, http, bob, "buy cheap followers")
    # When alice reports bob's status on her node and asks to forward it
    report = await _call(http, home, alice, "POST", "/api/v1/reports", json={
        "account_id": str(bob_here.id), "status_ids": [str(status_here)], "comment": "spam for sale",
        "category": "spam", "forward": True})
    # Then the report says it was forwarded, and a Flag left from the instance actor
    assert report["forwarded"] is True
    [(flag, inbox, signer, _state)] = await _sent(home, "Flag")
    instance_uri = f"{home.config.node.base_url}/actor"
    assert flag["actor"] == instance_uri and signer == INSTANCE_SIGNER
    assert flag["object"] == [bob.account.uri, posted["uri"]] and flag["content"] == "spam for sale"
    assert inbox == peer.url("/inbox")
    assert alice.account.uri not in json.dumps(flag)  # the reporter is never named
    # And bob's node holds a report about bob, from home's instance actor, naming the status
    assert await settle(peer, expect=1) == {"done": 1}
    rows = await peer.app[DB].fetchall("SELECT * FROM reports")
    assert len(rows) == 1
    row = rows[0]
    reporter = await get_account(peer.app[DB], row["account_id"])
    assert reporter is not None and reporter.uri == instance_uri and reporter.domain == home.config.node.domain
    assert (row["source"], row["target_account_id"], row["comment"]) == ("federation", bob.account.id,
                                                                          "spam for sale")
    assert json.loads(row["status_ids"]) == [posted["id"]] and row["uri"] == flag["id"]
    # (the forward is audited on home, the reporter named as the one who asked)
    assert await _audit_actions(home) == ["report.forward"]


async def test_moderator_forwards_later_once(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice, bob = await home.account("alice"), await peer.account("bob")
    mod = await home.account("mod", role="moderator")
    bob_here = await remote_account(home, bob.account)
    report = await _call(http, home, alice, "POST", "/api/v1/reports",
                         json={"account_id": str(bob_here.id), "comment": "harassment"})
    assert report["forwarded"] is False and await _sent(home, "Flag") == []
    path = f"/api/v1/admin/reports/{report['id']}/forward"
    # A user may not forward; a moderator may, once
    await _call(http, home, alice, "POST", path, expect=403)
    forwarded = await _call(http, home, mod, "POST", path)
    assert forwarded["forwarded"] is True and forwarded["id"] == report["id"]
    await _call(http, home, mod, "POST", path, expect=422)
    [(flag, _inbox, _signer, _state)] = await _sent(home, "Flag")
    assert flag["object"] == [bob.account.uri] and flag["content"] == "harassment"
    assert await settle(peer, expect=1) == {"done": 1}
    assert await peer.app[DB].fetchval("SELECT count(*) FROM reports WHERE source = 'federation'") == 1
    records = await home.app[DB].fetchall("SELECT actor, action, target_id, details_json FROM audit_log")
    assert [(r[0], r[1], r[2]) for r in records] == [("mod", "report.forward", report["id"])]
    assert json.loads(records[0][3])["hosts"] == [peer.config.node.domain]


async def test_no_forward_of_local_accounts_or_to_unpermitted_nodes(
        tmp_path: Path, http: aiohttp.ClientSession) -> None:
    started = await start_peers(tmp_path, 1)
    try:
        [home] = started.nodes
        alice, carol = await home.account("alice"), await home.account("carol")
        mod = await home.account("mod", role="moderator")
        stranger = await remote_row(home.app[DB], home.app[IDS], "stranger.example.cn", "eve")
        # A report about a local account is never forwarded
        local = await _call(http, home, alice, "POST", "/api/v1/reports",
                            json={"account_id": str(carol.account.id), "forward": True})
        assert local["forwarded"] is False
        await _call(http, home, mod, "POST", f"/api/v1/admin/reports/{local['id']}/forward", expect=422)
        # Nor is one about an account whose node holds no permit here
        far = await _call(http, home, alice, "POST", "/api/v1/reports",
                          json={"account_id": str(stranger), "forward": True})
        assert far["forwarded"] is False
        refused = await _call(http, home, mod, "POST", f"/api/v1/admin/reports/{far['id']}/forward", expect=422)
        assert "stranger.example.cn" in refused["error"]
        assert await home.app[DB].fetchval("SELECT count(*) FROM deliveries") == 0
        assert await _audit_actions(home) == []
    finally:
        await started.close()


# ---- suspensions ----------------------------------------------------------------------

async def _mutual_follow(home: Node, peer: Node, local: AccountRow, follower: AccountRow) -> AccountRow:
    """`follower` (on peer) follows `local` (on home), recorded on both nodes; `local` as peer knows it."""
    there = await follow_remote(peer, follower, local)
    follower_here = await remote_account(home, follower)
    await relationships.follow(home.app[DB], home.app[IDS], follower_here.id, local.id, FollowOptions(),
                               as_request=False)
    return there


async def _actor_status(http: aiohttp.ClientSession, node: Node, username: str) -> tuple[int, dict[str, Any]]:
    async with http.get(node.url(f"/users/{username}"), headers=AP_HEADERS) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_suspension_deletes_the_actor_on_peers_and_unsuspension_restores_it(
        peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice, mod = await home.account("alice"), await home.account("mod", role="moderator")
    bob = await peer.account("bob")
    alice_there = await _mutual_follow(home, peer, alice.account, bob.account)
    posted = await _call(http, home, alice, "POST", "/api/v1/statuses", json={"status": "tea at five"})
    assert await settle(peer, expect=1) == {"done": 1}
    copy = await remote.find_status_by_uri(peer.app[DB], posted["uri"])
    assert copy is not None
    home_ids = [s["id"] for s in await _call(http, peer, bob, "GET", "/api/v1/timelines/home")]
    assert home_ids == [str(copy.id)]

    # When a moderator suspends alice on her node
    await _call(http, home, mod, "POST", f"/api/v1/admin/accounts/{alice.account.id}/action",
                json={"type": "suspend", "text": "fraud"})
    # Then a Delete of her actor, signed by her, goes to bob's node
    [(delete, inbox, signer, _)] = await _sent(home, "Delete")
    assert (delete["actor"], delete["object"], delete["to"]) == (alice.account.uri, alice.account.uri, [PUBLIC])
    assert signer == alice.account.id and inbox == peer.url("/inbox")
    # and her actor document is gone while she is suspended
    status, body = await _actor_status(http, home, "alice")
    assert status == 410 and body["type"] == "Tombstone" and body["id"] == alice.account.uri
    # On bob's node her status is deleted and she is hidden
    assert await settle(peer, expect=2) == {"done": 2}
    hidden = await get_account(peer.app[DB], alice_there.id)
    assert hidden is not None and hidden.suspended_at is not None
    gone = await remote.find_status_by_uri(peer.app[DB], posted["uri"])
    assert gone is not None and gone.deleted_at is not None
    assert await _call(http, peer, bob, "GET", "/api/v1/timelines/home") == []
    await _call(http, peer, bob, "GET", f"/api/v1/statuses/{copy.id}", expect=404)
    shown = await _call(http, peer, bob, "GET", f"/api/v1/accounts/{alice_there.id}")
    assert shown.get("suspended") is True
    found = await _call(http, peer, bob, "GET", "/api/v2/search",
                        params={"q": "alice", "type": "accounts"})
    assert found["accounts"] == []

    # When the suspension is lifted
    await _call(http, home, mod, "POST", f"/api/v1/admin/accounts/{alice.account.id}/unsuspend")
    # Then an Update of her actor follows the same path, and her actor is back
    [(update, inbox, signer, _)] = await _sent(home, "Update")
    assert update["actor"] == alice.account.uri and update["object"]["id"] == alice.account.uri
    assert update["object"]["type"] == "Person" and inbox == peer.url("/inbox") and signer == alice.account.id
    status, body = await _actor_status(http, home, "alice")
    assert status == 200 and body["id"] == alice.account.uri
    # bob's node shows her again (and bob still follows her); her old status stays deleted, as on Mastodon
    assert await settle(peer, expect=3) == {"done": 3}
    back = await get_account(peer.app[DB], alice_there.id)
    assert back is not None and back.suspended_at is None
    assert not await origin_suspensions.is_marked(peer.app[DB], alice_there.id)
    assert "suspended" not in await _call(http, peer, bob, "GET", f"/api/v1/accounts/{alice_there.id}")
    rel = await _call(http, peer, bob, "GET", "/api/v1/accounts/relationships",
                      params={"id[]": str(alice_there.id)})
    assert rel[0]["following"] is True
    await _call(http, peer, bob, "GET", f"/api/v1/statuses/{copy.id}", expect=404)
    # (each step audited once on home)
    assert await _audit_actions(home) == ["account.suspend", "account.unsuspend"]


async def test_a_second_suspension_is_sent_again(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice, mod = await home.account("alice"), await home.account("mod", role="moderator")
    bob = await peer.account("bob")
    alice_there = await _mutual_follow(home, peer, alice.account, bob.account)
    base = f"/api/v1/admin/accounts/{alice.account.id}"
    for path, body in ((f"{base}/action", {"type": "suspend"}), (f"{base}/unsuspend", None),
                       (f"{base}/action", {"type": "suspend"})):
        await _call(http, home, mod, "POST", path, json=body)
        await _wait_delivered(home)
    deletes = await _sent(home, "Delete")
    assert len(deletes) == 2 and deletes[0][0]["id"] != deletes[1][0]["id"]
    assert await settle(peer, expect=3) == {"done": 3}
    hidden = await get_account(peer.app[DB], alice_there.id)
    assert hidden is not None and hidden.suspended_at is not None


async def test_peer_moderators_suspension_outlives_the_origins_update(
        peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice, mod = await home.account("alice"), await home.account("mod", role="moderator")
    bob, peer_mod = await peer.account("bob"), await peer.account("pmod", role="moderator")
    alice_there = await _mutual_follow(home, peer, alice.account, bob.account)
    # Given bob's node suspended alice itself
    await _call(http, peer, peer_mod, "POST", f"/api/v1/admin/accounts/{alice_there.id}/action",
                json={"type": "suspend"})
    # When her own node suspends and then restores her
    base = f"/api/v1/admin/accounts/{alice.account.id}"
    await _call(http, home, mod, "POST", f"{base}/action", json={"type": "suspend"})
    await _wait_delivered(home)
    await _call(http, home, mod, "POST", f"{base}/unsuspend")
    assert await settle(peer, expect=2) == {"done": 2}
    # Then she stays suspended on bob's node until its moderators lift it
    still = await get_account(peer.app[DB], alice_there.id)
    assert still is not None and still.suspended_at is not None
    await _call(http, peer, peer_mod, "POST", f"/api/v1/admin/accounts/{alice_there.id}/unsuspend")
    lifted = await get_account(peer.app[DB], alice_there.id)
    assert lifted is not None and lifted.suspended_at is None


async def test_origin_suspension_outlives_a_local_unsuspension(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice, mod = await home.account("alice"), await home.account("mod", role="moderator")
    bob, peer_mod = await peer.account("bob"), await peer.account("pmod", role="moderator")
    alice_there = await _mutual_follow(home, peer, alice.account, bob.account)
    # Given her own node suspended alice, and bob's node suspended and restored her meanwhile
    await _call(http, home, mod, "POST", f"/api/v1/admin/accounts/{alice.account.id}/action", json={"type": "suspend"})
    assert await settle(peer, expect=1) == {"done": 1}
    for path, body in (("action", {"type": "suspend"}), ("unsuspend", None)):
        await _call(http, peer, peer_mod, "POST", f"/api/v1/admin/accounts/{alice_there.id}/{path}", json=body)
    # Then she stays hidden there until her own node restores her
    hidden = await get_account(peer.app[DB], alice_there.id)
    assert hidden is not None and hidden.suspended_at is not None
    await _call(http, home, mod, "POST", f"/api/v1/admin/accounts/{alice.account.id}/unsuspend")
    assert await settle(peer, expect=2) == {"done": 2}
    shown = await get_account(peer.app[DB], alice_there.id)
    assert shown is not None and shown.suspended_at is None


async def test_an_update_saying_suspended_hides_and_a_plain_one_restores(
        peers: Peers, http: aiohttp.ClientSession) -> None:
    """Current Mastodon suspends with an Update whose actor says `suspended: true`."""
    home, peer = peers.nodes
    alice = await home.account("alice")
    bob = await peer.account("bob")
    bob_here = await follow_remote(home, alice.account, bob.account)
    fed = peer.app[FEDERATION]
    document = vocab.actor_document(fed.urls, bob.account)
    for n, flag in enumerate((True, False)):
        activity = vocab.update_actor_activity({**document, "suspended": flag}, f"2026-11-23T08:00:0{n}.000Z")
        assert (await signed_post(http, home.url("/inbox"), activity, peer, bob.account)).status == 202
        await settle(home, expect=n + 1)
        row = await get_account(home.app[DB], bob_here.id)
        assert row is not None and (row.suspended_at is not None) is flag


async def test_an_expired_suspension_is_federated_as_an_update(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice, mod = await home.account("alice"), await home.account("mod", role="moderator")
    bob = await peer.account("bob")
    await _mutual_follow(home, peer, alice.account, bob.account)
    await _call(http, home, mod, "POST", f"/api/v1/admin/accounts/{alice.account.id}/action",
                json={"type": "suspend", "duration_hours": 1})
    await home.app[DB].execute("UPDATE account_sanctions SET expires_at = '2000-01-01T00:00:00.000Z'")
    assert await sanction_policy.lift_expired(
        home.app[DB], on_lift=lambda account_id, action: federate_expiry(home.app, account_id, action)) == 1
    [(update, _inbox, signer, _)] = await _sent(home, "Update")
    assert update["object"]["id"] == alice.account.uri and signer == alice.account.id


# ---- sanctions of remote accounts ---------------------------------------------------------

async def test_sanctions_of_remote_accounts_stay_local(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice, mod = await home.account("alice"), await home.account("mod", role="moderator")
    bob = await peer.account("bob")
    bob_here = await follow_remote(home, alice.account, bob.account)
    await add_follow(home.app[DB], home.app[IDS], bob_here.id, alice.account.id)  # bob follows alice too
    base = f"/api/v1/admin/accounts/{bob_here.id}"
    for path, body in ((f"{base}/action", {"type": "silence"}), (f"{base}/action", {"type": "suspend"}),
                       (f"{base}/action", {"type": "sensitive"}), (f"{base}/unsuspend", None),
                       (f"{base}/unsilence", None)):
        await _call(http, home, mod, "POST", path, json=body)
    # Applied here...
    row = await get_account(home.app[DB], bob_here.id)
    assert row is not None and row.sensitized_at is not None and row.suspended_at is None
    assert await _audit_actions(home) == ["account.silence", "account.suspend", "account.sensitive",
                                          "account.unsuspend", "account.unsilence"]
    # ...and nothing was sent anywhere
    assert await home.app[DB].fetchval("SELECT count(*) FROM deliveries") == 0
    assert await peer.app[DB].fetchval("SELECT count(*) FROM inbox_activities") == 0


async def test_reach_covers_every_kind_of_dealing(node: Node) -> None:
    """Whom a suspension reaches besides followers (storage.account_reach)."""
    db, ids = node.app[DB], node.app[IDS]
    alice = (await node.account("alice", verified=False)).account
    carol = (await node.account("carol", verified=False)).account  # local: never in the reach
    names = ("followed", "requested", "mentioned", "replied_to", "replier", "booster", "boosted", "faver",
             "faved", "stranger")
    who = {n: await remote_row(db, ids, "peer.example.cn", n) for n in names}
    stamp = "2026-01-01T00:00:00.000Z"

    async def status(author: int, **extra: Any) -> int:
        sid = ids.next_id()
        columns = {"id": sid, "account_id": author, "uri": f"http://x/{sid}", "created_at": stamp, **extra}
        await db.execute(f"INSERT INTO statuses ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                         tuple(columns.values()))
        return sid

    await add_follow(db, ids, alice.id, who["followed"])
    await add_follow(db, ids, carol.id, alice.id)
    await db.execute("INSERT INTO follow_requests (id, account_id, target_id, created_at) VALUES (?,?,?,?)",
                     (ids.next_id(), who["requested"], alice.id, stamp))
    mine = await status(alice.id)
    await db.execute("INSERT INTO mentions (status_id, account_id) VALUES (?, ?)", (mine, who["mentioned"]))
    theirs = await status(who["replied_to"])
    await status(alice.id, in_reply_to_id=theirs, in_reply_to_account_id=who["replied_to"])
    await status(who["replier"], in_reply_to_id=mine)
    await status(who["booster"], reblog_of_id=mine)
    await status(alice.id, reblog_of_id=await status(who["boosted"]))
    faved = await status(who["faved"])
    for account, target in ((who["faver"], mine), (alice.id, faved)):
        await db.execute("INSERT INTO favourites (id, account_id, status_id, created_at) VALUES (?,?,?,?)",
                         (ids.next_id(), account, target, stamp))
    await status(who["stranger"])
    reached = await account_reach.interacted_remote_accounts(db, alice.id)
    assert sorted(reached) == sorted(who[n] for n in names if n != "stranger")


async def test_delete_of_an_actor_never_seen_is_accepted_and_dropped(
        peers: Peers, http: aiohttp.ClientSession, tmp_path: Path) -> None:
    home, peer = peers.nodes
    carol = await peer.account("carol")  # home has never stored carol
    farewell = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Delete",
                "id": f"{carol.account.uri}#delete/1", "actor": carol.account.uri,
                "object": carol.account.uri, "to": [PUBLIC]}
    # When her node (suspending her, actor document gone) says goodbye to a peer that never knew her
    resp = await signed_post(http, home.url("/inbox"), farewell, peer, carol.account)
    # Then the peer answers 202 without fetching her and stores nothing, so the sender does not retry
    assert resp.status == 202
    assert await home.app[DB].fetchval("SELECT count(*) FROM inbox_activities") == 0
    assert await find_account_by_uri(home.app[DB], carol.account.uri) is None
    # And a node without a permit still gets its 403
    outsider_nodes = await start_peers(tmp_path / "outsider", 1)
    try:
        [outsider] = outsider_nodes.nodes
        dave = await outsider.account("dave")
        stranger = {**farewell, "id": f"{dave.account.uri}#delete/1", "actor": dave.account.uri,
                    "object": dave.account.uri}
        refused = await signed_post(http, home.url("/inbox"), stranger, outsider, dave.account)
        assert refused.status == 403
    finally:
        await outsider_nodes.close()


async def test_forward_to_domains_reaches_the_replied_to_node_only(
        tmp_path: Path, http: aiohttp.ClientSession) -> None:
    started = await start_peers(tmp_path / "three", 3)
    try:
        home, peer, third = started.nodes
        for other in (peer, third):
            await permit(home, other)
            await permit(other, home)
        alice = await home.account("alice")
        bob, carol = await peer.account("bob"), await third.account("carol")
        bob_here = await follow_remote(home, alice.account, bob.account)
        await follow_remote(home, alice.account, carol.account)
        # carol (on the third node) posts; bob (on peer) replies to her with spam
        original, _ = await _remote_status(home, third, http, carol, "my cat")
        reply = note(bob.account, 2, content="<p>buy followers</p>", inReplyTo=original["uri"])
        assert (await signed_post(http, home.url("/inbox"), create(bob.account, reply), peer,
                                  bob.account)).status == 202
        await settle(home)
        spam = await remote.find_status_by_uri(home.app[DB], reply["id"])
        assert spam is not None and spam.in_reply_to_account_id is not None
        # (the reply reached carol's node too, as a reply to her does)
        await permit(third, peer)
        await permit(peer, third)  # mutual: actor documents need a permitted signer
        assert (await signed_post(http, third.url("/inbox"), create(bob.account, reply), peer,
                                  bob.account)).status == 202
        await settle(third)
        # When alice forwards her report to bob's node and to carol's (and a domain not involved)
        await _call(http, home, alice, "POST", "/api/v1/reports", json={
            "account_id": str(bob_here.id), "status_ids": [str(spam.id)], "comment": "reply spam",
            "forward": True, "forward_to_domains": [third.config.node.domain, "elsewhere.example"]})
        # Then one Flag goes to each of the two nodes involved, none elsewhere
        sent = await _sent(home, "Flag")
        assert sorted(inbox for _, inbox, _, _ in sent) == sorted([peer.url("/inbox"), third.url("/inbox")])
        # And carol's node, where bob is remote, takes it as a report about bob: he replied to carol there
        await _wait_delivered(home)
        await settle(third)
        rows = await third.app[DB].fetchall("SELECT target_account_id, status_ids, source FROM reports")
        bob_there = await remote.find_status_by_uri(third.app[DB], reply["id"])
        assert bob_there is not None
        assert [(r[0], json.loads(r[1]), r[2]) for r in rows] == [
            (bob_there.account_id, [str(bob_there.id)], "federation")]
    finally:
        await started.close()
