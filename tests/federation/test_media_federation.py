"""Media between two live nodes: a post with an image on one arrives on the
other with its attachment and description (the file stays at its origin,
never fetched); inbound attachments are screened with their note, only
http(s) URLs are kept, and at most 4."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from node.keys import DB
from storage import remote
from tests.federation.e2e import Client
from tests.federation.nodes import Peers, create, mutual_peers, note, quiet, signed_get, signed_post
from tests.node.test_media import png, upload
from tests.openapi import assert_matches


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await mutual_peers(tmp_path, screened=True)
    yield started
    await started.close()


async def test_a_post_with_an_image_arrives_with_its_description(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    bob = Client(peer, await peer.account("bob"), http)
    # Given bob (on peer) follows alice (on home)
    await bob.follow(alice)
    await quiet(peers.nodes)
    # When alice posts an image with a description
    status, uploaded = await upload(http, home, alice.session, png(4, 2), description="a small grey picture")
    assert status == 200
    posted = await alice.post("look", media_ids=[uploaded["id"]])
    await quiet(peers.nodes)
    # Then home's Note carries it as a Document
    code, doc = await signed_get(http, posted["uri"], peer, bob.session.account)
    assert code == 200
    assert doc["attachment"] == [{"type": "Document", "mediaType": "image/png", "url": uploaded["url"],
                                  "name": "a small grey picture", "blurhash": uploaded["blurhash"],
                                  "width": 4, "height": 2}]
    # And bob's node shows it, pointing at home's file, which it never fetched
    there = await bob.find(posted["uri"])
    assert there is not None
    assert_matches("/api/v1/statuses/{id}", "get", 200, there)
    [media] = there["media_attachments"]
    assert (media["type"], media["url"], media["remote_url"], media["description"]) == (
        "image", uploaded["url"], uploaded["url"], "a small grey picture")
    assert media["meta"]["original"]["width"] == 4
    assert not peer.config.storage.media_dir.exists() or not any(peer.config.storage.media_dir.iterdir())


async def test_inbound_attachments_are_screened_and_checked(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    bob = (await peer.account("bob")).account
    mention = [{"type": "Mention", "href": alice.session.account.uri, "name": "@alice"}]

    def document(url: str, name: str = "") -> dict[str, object]:
        return {"type": "Document", "mediaType": "image/jpeg", "url": url, "name": name}
    # When bob's node sends a note whose attachment description holds a reject-category term
    bad = note(bob, 1, content="<p>a photo</p>", tag=mention,
               attachment=[document("https://peer.example/a.jpg", "欢迎来到博彩网站")])
    # and one with six attachments, one of them not http(s)
    many = note(bob, 2, content="<p>photos</p>", tag=mention,
                attachment=[document("javascript:alert(1)", "no")]
                + [document(f"https://peer.example/{i}.jpg", f"photo {i}") for i in range(5)])
    for obj in (bad, many):
        assert (await signed_post(http, home.url("/inbox"), create(bob, obj), peer, bob)).status == 202
    await quiet(peers.nodes)
    # Then the first is dropped naming the category
    assert await remote.find_status_by_uri(home.app[DB], bad["id"]) is None
    errors = [r[0] for r in await home.app[DB].fetchall("SELECT error FROM inbox_activities WHERE error IS NOT NULL")]
    assert any("gambling" in (e or "") for e in errors)
    # And the second keeps the first four http(s) attachments, as remote media
    row = await remote.find_status_by_uri(home.app[DB], many["id"])
    assert row is not None
    shown = await alice.status(str(row.id))
    assert [m["description"] for m in shown["media_attachments"]] == [f"photo {i}" for i in range(4)]
    assert all(m["url"] == m["remote_url"] and m["url"].startswith("https://peer.example/")
               for m in shown["media_attachments"])
    # And a remote attachment cannot be posted by a local account
    async with http.post(home.url("/api/v1/statuses"), headers=alice.session.headers,
                         json={"status": "mine?", "media_ids": [shown["media_attachments"][0]["id"]]}) as resp:
        assert resp.status == 422


async def test_an_edit_replaces_remote_attachments(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = Client(home, await home.account("alice"), http)
    bob = (await peer.account("bob")).account
    mention = [{"type": "Mention", "href": alice.session.account.uri, "name": "@alice"}]
    first = note(bob, 3, content="<p>v1</p>", tag=mention,
                 attachment=[{"type": "Image", "url": "https://peer.example/1.png", "name": "one"}])
    assert (await signed_post(http, home.url("/inbox"), create(bob, first), peer, bob)).status == 202
    await quiet(peers.nodes)
    edited = {**first, "content": "<p>v2</p>", "updated": "2026-11-23T09:00:00Z",
              "attachment": [{"type": "Image", "url": "https://peer.example/2.png", "name": "two"}]}
    update = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{first['id']}#updates/1",
              "type": "Update", "actor": bob.uri, "object": edited}
    assert (await signed_post(http, home.url("/inbox"), update, peer, bob)).status == 202
    await quiet(peers.nodes)
    row = await remote.find_status_by_uri(home.app[DB], first["id"])
    assert row is not None
    shown = await alice.status(str(row.id))
    assert [(m["url"], m["description"]) for m in shown["media_attachments"]] == [
        ("https://peer.example/2.png", "two")]
