"""Processing after the 202: profile updates, actor deletes, blocks, reports,
moves, and rows a crash left behind."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from node.app import create_app
from node.keys import DB
from policy.permits import change_status
from storage import inbox, relationships, remote
from storage.database import open_database
from tests.conftest import Node
from tests.federation.nodes import (
    Peers,
    create,
    follow_remote,
    note,
    permit,
    remote_account,
    settle,
    signed_get,
    signed_post,
    start_peers,
)


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await start_peers(tmp_path, 2)
    await permit(started.nodes[0], started.nodes[1])
    await permit(started.nodes[1], started.nodes[0])  # mutual: actor documents need a permitted signer
    yield started
    await started.close()


async def test_actor_update_and_delete(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = await home.account("alice")
    bob = (await peer.account("bob")).account
    await follow_remote(home, alice.account, bob)
    _status, actor = await signed_get(http, peer.url("/users/bob"), home, alice.account)
    renamed = {**actor, "name": "Bob the Builder", "summary": "<p onclick='x'>builds</p>"}
    update = {"id": f"{bob.uri}#updates/1", "type": "Update", "actor": bob.uri, "object": renamed}
    assert (await signed_post(http, home.url("/inbox"), update, peer, bob)).status == 202
    await settle(home)
    here = await remote.find_account_by_key_id(home.app[DB], bob.public_key_id)
    assert here is not None and here.display_name == "Bob the Builder" and here.note == "<p>builds</p>"
    obj = note(bob, 1)
    assert (await signed_post(http, home.url("/inbox"), create(bob, obj), peer, bob)).status == 202
    delete = {"id": f"{bob.uri}#delete", "type": "Delete", "actor": bob.uri, "object": bob.uri}
    assert (await signed_post(http, home.url("/inbox"), delete, peer, bob)).status == 202
    assert await settle(home) == {"done": 3}
    row = await remote.find_status_by_uri(home.app[DB], obj["id"])
    assert row is not None and row.deleted_at is not None


async def test_block_ends_follows_both_ways(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob = (await peer.account("bob")).account
    bob_here = await follow_remote(home, alice, bob)
    block = {"id": f"{bob.uri}#blocks/1", "type": "Block", "actor": bob.uri, "object": alice.uri}
    assert (await signed_post(http, home.url("/inbox"), block, peer, bob)).status == 202
    await settle(home)
    rel = (await relationships.relationships(home.app[DB], alice.id, [bob_here.id]))[bob_here.id]
    assert not rel.following and rel.blocked_by


async def test_flag_and_move_without_alias(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob = (await peer.account("bob")).account
    bob2 = (await peer.account("bob2")).account
    flag = {"id": f"{bob.uri}#flags/1", "type": "Flag", "actor": bob.uri, "object": [alice.uri],
            "content": "fake invoices"}
    move = {"id": f"{bob.uri}#moves/1", "type": "Move", "actor": bob.uri, "object": bob.uri, "target": bob2.uri}
    for activity in (flag, move):
        assert (await signed_post(http, home.url("/inbox"), activity, peer, bob)).status == 202
    # the report reaches the moderators; the Move is refused: bob2 does not name bob in alsoKnownAs
    assert await settle(home) == {"done": 1, "dropped": 1}
    report = await home.app[DB].fetchone("SELECT target_account_id, source, comment, uri FROM reports")
    assert tuple(report) == (alice.id, "federation", "fake invoices", flag["id"])
    here = await remote.find_account_by_key_id(home.app[DB], bob.public_key_id)
    assert here is not None and here.moved_to_id is None


@pytest.mark.parametrize("revoked", [False, True])
async def test_rows_left_by_a_crash_are_processed_on_start(peers: Peers, revoked: bool) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob = (await peer.account("bob")).account
    await remote_account(home, bob)
    await follow_remote(home, alice, bob)
    # Given the node stops, and a stored activity was never processed
    await peers.runners[0].cleanup()
    obj = note(bob, 1)
    async with open_database(home.config.storage.target()) as db:
        await inbox.store_activity(db, inbox.NewInboxActivity(1, f"{obj['id']}/activity", bob.uri,
                                                              peer.config.node.domain, None,
                                                              json.dumps(create(bob, obj))))
        if revoked:  # and meanwhile the peer's permit was revoked
            await change_status(db, peer.config.node.domain, "revoked")
    # When it starts again
    app = create_app(home.config)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", home.config.http.port).start()
    peers.runners[0] = runner
    restarted = Node(home.config, app, home.base_url)
    # Then the row is applied (or dropped, when the permit lapsed meanwhile)
    assert await settle(restarted) == ({"dropped": 1} if revoked else {"done": 1})
    assert (await remote.find_status_by_uri(app[DB], obj["id"]) is None) == revoked


async def test_one_actors_activities_apply_in_order_while_others_apply_alongside(
        peers: Peers) -> None:
    home, peer = peers.nodes
    alice = (await home.account("alice")).account
    bob, carol = (await peer.account("bob")).account, (await peer.account("carol")).account
    for author in (bob, carol):
        await remote_account(home, author)
        await follow_remote(home, alice, author)
    # Given a batch waiting in the inbox: bob creates, edits and deletes a
    # note while carol posts twice, interleaved
    await peers.runners[0].cleanup()
    first, gone = note(carol, 1), note(bob, 2)
    edited = {**gone, "content": "<p>edited</p>", "updated": "2026-11-23T01:00:00Z"}
    steps = [(bob, create(bob, gone)), (carol, create(carol, first)),
             (bob, {"id": f"{gone['id']}#update", "type": "Update", "actor": bob.uri, "object": edited}),
             (carol, create(carol, note(carol, 3))),
             (bob, {"id": f"{gone['id']}#delete", "type": "Delete", "actor": bob.uri,
                    "object": {"id": gone["id"], "type": "Tombstone"}})]
    async with open_database(home.config.storage.target()) as db:
        for number, (actor, activity) in enumerate(steps, start=1):
            await inbox.store_activity(db, inbox.NewInboxActivity(
                number, activity["id"], actor.uri, peer.config.node.domain, None, json.dumps(activity)))
    # When the node starts and applies them (bob's and carol's side by side)
    app = create_app(home.config)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", home.config.http.port).start()
    peers.runners[0] = runner
    restarted = Node(home.config, app, home.base_url)
    assert await settle(restarted) == {"done": 5}
    # Then bob's note went through create, edit and delete in that order
    row = await remote.find_status_by_uri(app[DB], gone["id"])
    assert row is not None and row.deleted_at is not None
    # and carol's two notes are both there
    for number in (1, 3):
        kept = await remote.find_status_by_uri(app[DB], note(carol, number)["id"])
        assert kept is not None and kept.deleted_at is None
