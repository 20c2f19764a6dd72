"""Custom emoji between two live nodes: a local emoji rides on a Note and
an actor as an `Emoji` tag, and the peer shows it, linking to the image
on the node that has it (never fetching it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from node.custom_emoji_files import EmojiUpload, create_emoji
from node.keys import CONFIG, DB, IDS
from tests.federation.e2e import Client
from tests.federation.nodes import Peers, mutual_peers, quiet, signed_get
from tests.node.test_media import png


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path)
    yield started
    await started.close()


async def test_emoji_federate_as_tags_and_show_on_the_peer(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    bob = Client(peer, await peer.account("bob"), http)
    # Given home has :blobcat:, bob follows alice, and alice's name uses it
    emoji = await create_emoji(home.app[DB], home.app[IDS], home.app[CONFIG], EmojiUpload("blobcat", png()))
    await alice.call("PATCH", "/api/v1/accounts/update_credentials", data={"display_name": "alice :blobcat:"})
    await bob.follow(alice)
    await quiet(peers.nodes)
    # When alice posts with it
    post = await alice.post("good morning :blobcat:")
    await quiet(peers.nodes)
    # Then her Note and her actor carry the Emoji tag, dereferenceable at its id
    status, note = await signed_get(http, post["uri"], peer, bob.session.account)
    tags = [t for t in note["tag"] if t["type"] == "Emoji"]
    assert status == 200 and [(t["name"], t["icon"]["mediaType"]) for t in tags] == [(":blobcat:", "image/png")]
    status, actor = await signed_get(http, alice.session.account.uri, peer, bob.session.account)
    assert [t["name"] for t in actor["tag"] if t["type"] == "Emoji"] == [":blobcat:"]
    async with http.get(tags[0]["id"], headers={"Accept": "application/activity+json"}) as resp:
        assert resp.status == 200 and (await resp.json(content_type=None))["name"] == ":blobcat:"
    # And on bob's node the status shows the emoji, its image a link to alice's node
    seen = await bob.find(post["uri"])
    assert seen is not None
    assert [(e["shortcode"], e["url"]) for e in seen["emojis"]] == [("blobcat", tags[0]["icon"]["url"])]
    assert seen["emojis"][0]["url"].startswith(home.base_url) and emoji.file_name in seen["emojis"][0]["url"]
    # And alice's profile there shows it too, while bob's node lists no such emoji of its own
    assert [e["shortcode"] for e in seen["account"]["emojis"]] == ["blobcat"]
    assert await bob.get("/api/v1/custom_emojis") == []
