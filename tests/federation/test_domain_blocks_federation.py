"""A user's domain block between two live nodes, driven through the client
API: follows both ways end here and on the peer (Undo Follow, Reject),
the domain leaves the user's timeline and notifications, and its Follows
are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.federation.e2e import Client
from tests.federation.nodes import Peers, mutual_peers, quiet


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path)
    yield started
    await started.close()


async def test_a_domain_block_severs_follows_both_ways_and_silences_the_domain(
        peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    bob = Client(peer, await peer.account("bob"), http)
    carol = Client(peer, await peer.account("carol"), http)
    # Given alice follows bob, carol follows alice, and bob's post reached alice's home
    await alice.follow(bob)
    await carol.follow(alice)
    await peers_quiet(peers)
    first = await bob.post("hello from the other node")
    await peers_quiet(peers)
    assert [s["uri"] for s in await alice.home()] == [first["uri"]]
    bob_here = await alice.resolve(bob)
    assert (await alice.get("/api/v1/accounts/relationships", **{"id[]": bob_here["id"]}))[0]["following"]

    # When alice blocks bob's domain
    assert await alice.call("POST", "/api/v1/domain_blocks", data={"domain": peer.config.node.domain.upper()}) == {}
    await peers_quiet(peers)

    # Then her list shows it, normalised, and her relationship to bob says so
    assert await alice.get("/api/v1/domain_blocks") == [peer.config.node.domain]
    rel = (await alice.get("/api/v1/accounts/relationships", **{"id[]": bob_here["id"]}))[0]
    assert rel["domain_blocking"] and not rel["following"]
    # And bob's node heard the Undo: alice no longer follows bob there; carol's follow was rejected
    alice_there = await bob.resolve(alice)
    there = await bob.get("/api/v1/accounts/relationships", **{"id[]": alice_there["id"]})
    assert not there[0]["followed_by"]
    alice_for_carol = await carol.get("/api/v1/accounts/relationships", **{"id[]": alice_there["id"]})
    assert not alice_for_carol[0]["following"] and not alice_for_carol[0]["requested"]
    assert (await alice.get(f"/api/v1/accounts/{alice.session.account.id}"))["followers_count"] == 0
    # And alice is told what the block severed
    notes = await alice.get("/api/v1/notifications")
    assert [(n["type"], n["event"]["followers_count"], n["event"]["following_count"]) for n in notes] == [
        ("severed_relationships", 1, 1)]
    assert notes[0]["event"]["target_name"] == peer.config.node.domain
    # And bob's statuses leave her home timeline, and his mention of her notifies nothing
    assert await alice.home() == []
    await bob.post(f"@{alice.acct} are you there?")
    await peers_quiet(peers)
    assert [n["type"] for n in await alice.get("/api/v1/notifications")] == ["severed_relationships"]
    # And bob cannot follow her again (his Follow is rejected), nor she him
    await bob.follow(alice)
    await peers_quiet(peers)
    assert not (await bob.get("/api/v1/accounts/relationships", **{"id[]": alice_there["id"]}))[0]["following"]
    await alice.call("POST", f"/api/v1/accounts/{bob_here['id']}/follow", expect=403)

    # When she lifts the block, she may follow bob again
    assert await alice.call("DELETE", "/api/v1/domain_blocks", data={"domain": peer.config.node.domain}) == {}
    assert await alice.get("/api/v1/domain_blocks") == []
    await alice.call("POST", f"/api/v1/accounts/{bob_here['id']}/follow")


async def peers_quiet(peers: Peers) -> None:
    await quiet(peers.nodes)
