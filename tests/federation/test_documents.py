"""WebFinger, host-meta, actor and Note documents, content negotiation, secure mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from federation.httpsig import sign_request
from node.keys import DB, FEDERATION
from tests.conftest import Node, start_node
from tests.federation.nodes import AP_HEADERS, Peers, permit, signed_get, start_peers


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    started = await start_peers(tmp_path, 3)
    yield started
    await started.close()


async def post_status(http: aiohttp.ClientSession, node: Node, token: str, **params: str) -> dict[str, str]:
    async with http.post(node.url("/api/v1/statuses"), data=params,
                         headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_webfinger_and_host_meta(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a local account
    await node.account("alice")
    domain = node.config.node.domain
    # When a peer asks WebFinger by acct: and by actor URL
    for resource in (f"acct:alice@{domain}", node.url("/users/alice")):
        async with http.get(node.url("/.well-known/webfinger"), params={"resource": resource}) as resp:
            # Then the JRD names the account and its actor
            assert resp.status == 200 and resp.content_type == "application/jrd+json"
            jrd = await resp.json(content_type=None)
        assert jrd["subject"] == f"acct:alice@{domain}"
        links = {link["rel"]: link for link in jrd["links"]}
        assert links["self"] == {"rel": "self", "type": "application/activity+json", "href": node.url("/users/alice")}
        assert links["http://webfinger.net/rel/profile-page"]["href"] == node.url("/@alice")
    for resource in (f"acct:nobody@{domain}", "acct:alice@elsewhere.cn"):
        async with http.get(node.url("/.well-known/webfinger"), params={"resource": resource}) as resp:
            assert resp.status == 404
    async with http.get(node.url("/.well-known/host-meta")) as resp:
        assert resp.status == 200 and "/.well-known/webfinger?resource={uri}" in await resp.text()


async def test_actor_document_and_content_negotiation(peers: Peers, http: aiohttp.ClientSession) -> None:
    node, peer, stranger = peers.nodes
    await permit(node, peer)
    await permit(peer, node)
    await node.account("alice")
    await node.app[DB].execute("UPDATE accounts SET display_name = 'Alice Example' WHERE username = 'alice'")
    bob = (await peer.account("bob")).account
    carol = (await stranger.account("carol")).account
    for path in ("/users/alice", "/@alice"):
        # Unsigned (secure mode): the key only, nothing of the profile
        async with http.get(node.url(path), headers=AP_HEADERS) as resp:
            assert resp.status == 200 and resp.content_type == "application/activity+json"
            bare = await resp.json(content_type=None)
        assert set(bare) == {"@context", "id", "type", "preferredUsername", "inbox", "outbox", "publicKey",
                             "endpoints"}
        assert bare["publicKey"]["owner"] == bare["id"] and "BEGIN PUBLIC KEY" in bare["publicKey"]["publicKeyPem"]
        # Signed by a node without a permit here: 403 (article 7(6))
        status, refused = await signed_get(http, node.url(path), stranger, carol)
        assert status == 403 and "error" in refused
        # Signed by a permitted peer: the whole actor
        status, actor = await signed_get(http, node.url(path), peer, bob)
        assert status == 200
        assert actor["id"] == node.url("/users/alice") and actor["preferredUsername"] == "alice"
        assert actor["name"] == "Alice Example"
        assert actor["endpoints"]["sharedInbox"] == node.url("/inbox")
        assert actor["publicKey"]["owner"] == actor["id"] and "BEGIN PUBLIC KEY" in actor["publicKey"]["publicKeyPem"]
        assert "https://w3id.org/security/v1" in actor["@context"]
    # And a browser gets the HTML page with the permit footer
    async with http.get(node.url("/@alice"), headers={"Accept": "text/html"}) as resp:
        assert resp.status == 200 and resp.content_type == "text/html"
        assert node.config.node.permit in await resp.text()
    async with http.get(node.url("/users/nobody"), headers=AP_HEADERS) as resp:
        assert resp.status == 404


async def test_federation_off_without_permit(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    # Given a node without its own permit (article 6)
    node, runner = await start_node(tmp_path / "off", permit="")
    try:
        await node.account("alice")
        # Then no federation document or inbox answers, but the page does
        for path in (f"/.well-known/webfinger?resource=acct:alice@{node.config.node.domain}", "/.well-known/host-meta"):
            async with http.get(node.url(path)) as resp:
                assert resp.status == 404
        async with http.get(node.url("/users/alice"), headers=AP_HEADERS) as resp:
            assert resp.status == 404
        async with http.post(node.url("/inbox"), json={"type": "Create"}) as resp:
            assert resp.status == 404
        async with http.get(node.url("/@alice")) as resp:
            assert resp.status == 200
    finally:
        await runner.cleanup()


async def test_note_by_visibility_and_secure_mode(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, stranger = peers.nodes
    await permit(home, peer)
    await permit(peer, home)
    alice = await home.account("alice")
    bob = (await peer.account("bob")).account
    carol = (await stranger.account("carol")).account
    public = await post_status(http, home, alice.token, status="hello #tea", visibility="public")
    secret = await post_status(http, home, alice.token, status="only followers", visibility="private")
    url = public["uri"]
    # Unsigned: 401 in secure mode; the HTML page stays public
    async with http.get(url, headers=AP_HEADERS) as resp:
        assert resp.status == 401
    async with http.get(url) as resp:
        assert resp.status == 200 and "hello" in await resp.text()
    # Signed by an actor on a node without a permit here: 403
    status, body = await signed_get(http, url, stranger, carol)
    assert status == 403 and "error" in body
    # Signed by a permitted peer's actor: the Note
    status, note = await signed_get(http, url, peer, bob)
    assert status == 200, note
    assert note["type"] == "Note" and note["id"] == url and note["attributedTo"] == home.url("/users/alice")
    assert note["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
    assert note["cc"] == [home.url("/users/alice/followers")]
    assert {"type": "Hashtag", "href": home.url("/tags/tea"), "name": "#tea"} in note["tag"]
    # A followers-only status is not served as a document at all
    status, _ = await signed_get(http, secret["uri"], peer, bob)
    assert status == 404


async def test_collections_need_signatures(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, _stranger = peers.nodes
    await permit(home, peer)
    await permit(peer, home)
    alice = await home.account("alice")
    bob = (await peer.account("bob")).account
    await post_status(http, home, alice.token, status="one", visibility="public")
    await post_status(http, home, alice.token, status="two", visibility="unlisted")
    for path in ("outbox", "followers", "following", "collections/featured"):
        async with http.get(home.url(f"/users/alice/{path}"), headers=AP_HEADERS) as resp:
            assert resp.status == 401, path
    status, outbox = await signed_get(http, home.url("/users/alice/outbox"), peer, bob)
    assert status == 200 and outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 2
    status, page = await signed_get(http, outbox["first"], peer, bob)
    assert status == 200 and page["type"] == "OrderedCollectionPage"
    assert [item["type"] for item in page["orderedItems"]] == ["Create", "Create"]
    assert page["orderedItems"][0]["object"]["content"] == "<p>two</p>"
    status, followers = await signed_get(http, home.url("/users/alice/followers"), peer, bob)
    assert status == 200 and followers["totalItems"] == 0
    status, featured = await signed_get(http, home.url("/users/alice/collections/featured"), peer, bob)
    assert status == 200 and featured["orderedItems"] == []


async def test_instance_actor_signs_fetches(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer, _stranger = peers.nodes
    await permit(home, peer)
    await permit(peer, home)
    alice = await home.account("alice")
    public = await post_status(http, home, alice.token, status="hello", visibility="public")
    # The instance actor is readable unsigned, with a key
    async with http.get(peer.url("/actor"), headers=AP_HEADERS) as resp:
        actor = await resp.json(content_type=None)
    assert actor["type"] == "Application" and actor["preferredUsername"] == peer.config.node.domain
    assert actor["publicKey"]["id"] == peer.url("/actor#main-key")
    # And a GET it signs passes the secure mode of a node that permits its host
    instance = peer.app[FEDERATION].instance
    headers = sign_request("GET", public["uri"], dict(AP_HEADERS), None, instance.key_id, instance.private_key_pem)
    async with http.get(public["uri"], headers=headers) as resp:
        assert resp.status == 200 and (await resp.json(content_type=None))["id"] == public["uri"]
