"""Featured hashtags between two live nodes: the actor's `featuredTags`
collection, and Add/Remove reaching a follower's node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.federation.e2e import Client
from tests.federation.nodes import Peers, mutual_peers, quiet, signed_get


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path)
    yield started
    await started.close()


async def test_featured_tags_federate_as_a_collection_and_add_remove(peers: Peers,
                                                                     http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    bob = Client(peer, await peer.account("bob"), http)
    # Given bob on the peer follows alice
    await bob.follow(alice)
    await quiet(peers.nodes)
    # When alice features #茶
    await alice.post("#茶 time")
    featured = await alice.call("POST", "/api/v1/featured_tags", data={"name": "茶"})
    await quiet(peers.nodes)
    # Then her actor names the collection, which a signed GET from the peer reads
    status, actor = await signed_get(http, alice.session.account.uri, peer, bob.session.account)
    assert status == 200 and actor["featuredTags"].endswith("/users/alice/collections/tags")
    status, tags = await signed_get(http, actor["featuredTags"], peer, bob.session.account)
    assert (status, tags["type"], tags["totalItems"]) == (200, "Collection", 1)
    assert [(t["type"], t["name"]) for t in tags["items"]] == [("Hashtag", "#茶")]
    # And bob's node learnt it from the Add: his view of alice lists it, linking to her node
    alice_there = await bob.resolve(alice)
    shown = await bob.get(f"/api/v1/accounts/{alice_there['id']}/featured_tags")
    assert [t["name"] for t in shown] == ["茶"]
    assert shown[0]["url"].startswith(home.base_url)
    # When she stops featuring it, the Remove takes it away there too
    await alice.call("DELETE", f"/api/v1/featured_tags/{featured['id']}")
    await quiet(peers.nodes)
    assert await bob.get(f"/api/v1/accounts/{alice_there['id']}/featured_tags") == []
