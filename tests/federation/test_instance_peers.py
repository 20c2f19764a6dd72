"""The instance's peers and moderated domains between two live nodes: a
permitted peer is listed once one of its accounts has reached us, and
moves to the moderated domains when its permit is suspended."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from node.keys import DB
from policy import permits
from tests.federation.e2e import Client
from tests.federation.nodes import Peers, permit, quiet, start_peers


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await start_peers(tmp_path, 2, node='show_domain_blocks = "all"')
    for node in started.nodes:
        for other in started.nodes:
            if other is not node:
                await permit(node, other)
    yield started
    await started.close()


async def test_peers_are_permitted_hosts_met_and_suspended_ones_are_moderated(
        peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    peer_host = peer.config.node.domain

    async def public(path: str) -> object:
        async with http.get(home.url(path)) as resp:
            assert resp.status == 200
            return await resp.json()

    # Given a permit for the peer, but nobody from it has reached us yet
    assert await public("/api/v1/instance/peers") == []
    # When bob on the peer follows alice here
    alice = Client(home, await home.account("alice"), http)
    bob = Client(peer, await peer.account("bob"), http)
    await bob.follow(alice)
    await quiet(peers.nodes)
    # Then the peer is listed, and nothing is moderated
    assert await public("/api/v1/instance/peers") == [peer_host]
    assert await public("/api/v1/instance/domain_blocks") == []
    # When its permit is suspended here, it leaves the peers for the moderated domains
    await permits.change_status(home.app[DB], peer_host, "suspended")
    assert await public("/api/v1/instance/peers") == []
    assert [(b["domain"], b["severity"], b["comment"]) for b in await public("/api/v1/instance/domain_blocks")] == [
        (peer_host, "suspend", "Permit suspended")]
