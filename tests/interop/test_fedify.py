"""Interoperability with a real peer: Fedify 2.3.6 on Node.js (issue #5).

Each test runs a node of ours on a loopback port and the Fedify server of
`interop/fedify/` as a subprocess, each permitting the other, and checks
both directions through the two sides' own interfaces: the Mastodon
client API here, Fedify's control API there (what alice received is only
what Fedify verified). Marked `interop`: `make test` deselects them,
`make interop` installs the Fedify server (`npm ci`) and runs them.

Which HTTP signature scheme each side used is recorded: here by wrapping
`federation.verify.verify_any` (every signed request we verify), there by
the Fedify server's request log.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import federation.verify as verify_module
from federation.httpsig import VerifiedSignature
from node.keys import DB, IDS
from policy.permits import add_permit, validate_entry
from tests.conftest import Node, Session, start_node
from tests.interop.fedify import Fedify, start_fedify, until

pytestmark = pytest.mark.interop

OUR_PERMIT = "京ICP备00000001号-1"
PEER_PERMIT = "京ICP备00000009号-1"
UNLISTED_PERMIT = "京ICP备00000008号-1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
CAVAGE = "draft-cavage-http-signatures-12"


@dataclass
class Arrival:
    """One signed request our node verified (or refused at the signature)."""
    method: str
    url: str
    sent_as: str  # the scheme its headers carry
    verified_as: str | None  # None: the signature did not verify
    type: str | None  # the activity's type for a POST


@dataclass
class Pair:
    node: Node
    fedify: Fedify
    bob: Session
    http: aiohttp.ClientSession
    arrivals: list[Arrival] = field(default_factory=list)

    async def api(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        async with self.http.request(method, self.node.url(path), headers=self.bob.headers, **kwargs) as resp:
            body = await resp.json(content_type=None)
            assert resp.status == expect, f"{method} {path}: {resp.status} {body}"
            return body

    def arrived(self, kind: str) -> list[Arrival]:
        return [a for a in self.arrivals if a.type == kind]


def _scheme(headers: Mapping[str, str]) -> str:
    if "Signature-Input" in headers:
        return "rfc9421"
    return "draft-cavage" if "Signature" in headers else "none"


def _record(monkeypatch: pytest.MonkeyPatch, arrivals: list[Arrival]) -> None:
    original = verify_module.verify_any

    def recording(method: str, url: str, headers: Mapping[str, str], body: bytes, pem: str) -> VerifiedSignature:
        kind = None
        if body:
            try:
                kind = json.loads(body).get("type")
            except (ValueError, AttributeError):
                pass
        arrival = Arrival(method, url, _scheme(headers), None, kind)
        arrivals.append(arrival)
        verified = original(method, url, headers, body, pem)  # SignatureError propagates
        arrival.verified_as = verified.scheme
        return verified

    monkeypatch.setattr(verify_module, "verify_any", recording)


async def _start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_knock: str) -> AsyncIterator[Pair]:
    # require_declared_permit: the node also reads the permit Fedify declares in NodeInfo.
    node, runner = await start_node(tmp_path / "node", permit=OUR_PERMIT, extra="require_declared_permit = true")
    fedify: Fedify | None = None
    http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    try:
        fedify = await start_fedify(tmp_path / "fedify", permit=PEER_PERMIT, first_knock=first_knock)
        await add_permit(node.app[DB], node.app[IDS], validate_entry(fedify.host, PEER_PERMIT))
        bob = await node.account("bob")
        pair = Pair(node, fedify, bob, http)
        _record(monkeypatch, pair.arrivals)
        yield pair
    finally:
        await http.close()
        if fedify is not None:
            await fedify.close()
        await runner.cleanup()


@pytest.fixture
async def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Pair]:
    async for p in _start(tmp_path, monkeypatch, "rfc9421"):
        yield p


@pytest.fixture(params=["rfc9421", CAVAGE])
async def any_knock(request: pytest.FixtureRequest, tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Pair]:
    async for p in _start(tmp_path, monkeypatch, request.param):
        yield p


# ---- steps shared by the tests ---------------------------------------------

async def alice_follows_bob(p: Pair) -> dict[str, Any]:
    """Fedify's alice follows our bob; returns Fedify's Accept as alice received it."""
    sent = await p.fedify.control("follow", target=p.bob.account.uri)
    assert sent["delivered"], sent

    async def followed() -> list[Any]:
        followers = await p.api("GET", f"/api/v1/accounts/{p.bob.account.id}/followers")
        return [a for a in followers if a["acct"] == f"alice@{p.fedify.host}"]
    await until(followed, what="alice among bob's followers")

    async def accepted() -> list[dict[str, Any]]:
        return [a for a in await p.fedify.inbox("Accept") if a["objectId"] == sent["id"]]
    accepts = await until(accepted, what="Fedify to receive and verify our Accept")
    return accepts[0]


async def bob_follows_alice(p: Pair) -> str:
    """Our bob follows alice through the client API; returns alice's account id here."""
    found = await p.api("GET", "/api/v2/search", params={
        "q": f"@alice@{p.fedify.host}", "resolve": "true", "type": "accounts"})
    assert [a["acct"] for a in found["accounts"]] == [f"alice@{p.fedify.host}"], found
    alice = found["accounts"][0]
    assert alice["url"] == p.fedify.alice and alice["display_name"] == "Alice (Fedify)"
    await p.api("POST", f"/api/v1/accounts/{alice['id']}/follow")

    async def following() -> bool:
        rel = await p.api("GET", "/api/v1/accounts/relationships", params={"id[]": alice["id"]})
        return bool(rel[0]["following"])
    await until(following, what="Fedify's Accept of bob's Follow")
    assert p.bob.account.uri in await p.fedify.view("followers")
    return str(alice["id"])


async def alice_posts(p: Pair, content: str, **extra: Any) -> tuple[str, dict[str, Any]]:
    """alice posts; returns Fedify's note id and the status as bob's home timeline shows it."""
    sent = await p.fedify.control("post", content=content, **extra)
    assert sent["delivered"], sent

    async def arrived() -> list[dict[str, Any]]:
        home = await p.api("GET", "/api/v1/timelines/home")
        return [s for s in home if s["uri"] == sent["note"]]
    return sent["note"], (await until(arrived, what="alice's post in bob's home timeline"))[0]


async def bob_posts(p: Pair, text: str, visibility: str = "public") -> dict[str, Any]:
    status: dict[str, Any] = await p.api("POST", "/api/v1/statuses", json={"status": text, "visibility": visibility})
    return status


async def alice_received(p: Pair, kind: str, object_id: str) -> dict[str, Any]:
    async def found() -> list[dict[str, Any]]:
        return [a for a in await p.fedify.inbox(kind) if a["objectId"] == object_id]
    return (await until(found, what=f"a {kind} of {object_id} in alice's inbox"))[0]


async def fedify_requests(p: Pair, kind: str) -> list[dict[str, Any]]:
    return [r for r in await p.fedify.view("requests") if r["method"] == "POST" and r["type"] == kind]


# ---- the tests ---------------------------------------------------------------

async def test_fedify_follows_our_user(any_knock: Pair) -> None:
    """Inbound Follow signed by Fedify (either scheme first), our signed Accept verified by Fedify."""
    p = any_knock
    accept = await alice_follows_bob(p)
    assert accept["actor"] == p.bob.account.uri

    # Here: Fedify's Follow verified, with the scheme it knocked with first.
    follows = p.arrived("Follow")
    assert follows, p.arrivals
    knock = "draft-cavage" if p.fedify.first_knock == CAVAGE else "rfc9421"
    assert [(a.sent_as, a.verified_as) for a in follows] == [(knock, knock)]

    # There: our Accept came signed draft-cavage (all our node sends) and Fedify answered 202.
    accepts = await fedify_requests(p, "Accept")
    assert [(r["scheme"], r["status"]) for r in accepts] == [("draft-cavage", 202)]
    assert accepts[0]["keyId"] == p.bob.account.public_key_id
    assert {"id": p.bob.account.uri, "accepted": True} in await p.fedify.view("following")


async def test_our_posts_reach_fedify(pair: Pair) -> None:
    """Create(Note) from our user, verified by Fedify, with content, to/cc and attribution."""
    p = pair
    await alice_follows_bob(p)
    bob = p.bob.account

    public = await bob_posts(p, "Hello Fedify, from a permitted node 你好")
    create = await alice_received(p, "Create", public["uri"])
    assert create["actor"] == bob.uri
    note = create["object"]
    assert note["type"] == "Note" and note["id"] == public["uri"]
    assert note["attributedTo"] == bob.uri
    assert "Hello Fedify, from a permitted node 你好" in note["content"]
    assert note["to"] == [PUBLIC] and note["cc"] == [bob.followers_url]
    assert create["to"] == [PUBLIC] and create["cc"] == [bob.followers_url]

    private = await bob_posts(p, "for my followers only", visibility="private")
    note = (await alice_received(p, "Create", private["uri"]))["object"]
    assert note["to"] == [bob.followers_url] and PUBLIC not in note["cc"]

    direct = await bob_posts(p, f"@alice@{p.fedify.host} just for you", visibility="direct")
    note = (await alice_received(p, "Create", direct["uri"]))["object"]
    assert note["to"] == [p.fedify.alice] and note["cc"] == []

    creates = await fedify_requests(p, "Create")
    assert {(r["scheme"], r["status"]) for r in creates} == {("draft-cavage", 202)}


async def test_our_user_follows_fedify_and_sees_its_posts(pair: Pair) -> None:
    p = pair
    await bob_follows_alice(p)
    follow = await fedify_requests(p, "Follow")
    assert [(r["scheme"], r["status"]) for r in follow] == [("draft-cavage", 202)]
    # Fedify's Accept came back signed with its first knock, RFC 9421.
    assert [(a.sent_as, a.verified_as) for a in p.arrived("Accept")] == [("rfc9421", "rfc9421")]

    note, status = await alice_posts(p, "<p>Hello from <strong>Fedify</strong></p>")
    assert status["account"]["acct"] == f"alice@{p.fedify.host}"
    assert status["visibility"] == "public"
    assert "Hello from <strong>Fedify</strong>" in status["content"]
    assert status["uri"] == note

    # A reply from alice to bob's post is threaded here.
    mine = await bob_posts(p, "what does Fedify think?")
    reply, status = await alice_posts(p, "<p>it thinks so</p>", to=[p.bob.account.uri], inReplyTo=mine["uri"])
    assert status["in_reply_to_id"] == mine["id"]
    assert status["in_reply_to_account_id"] == str(p.bob.account.id)


async def test_like_announce_undo_delete_from_fedify(pair: Pair) -> None:
    p = pair
    await alice_follows_bob(p)
    await bob_follows_alice(p)
    mine = await bob_posts(p, "a post alice will like and boost")

    async def counts() -> tuple[int, int]:
        s = await p.api("GET", f"/api/v1/statuses/{mine['id']}")
        return s["favourites_count"], s["reblogs_count"]

    like = await p.fedify.control("like", object=mine["uri"])
    assert like["delivered"], like
    await until(lambda: _equals(counts, (1, 0)), what="the Like applied")
    # Fedify fetched the Note to find its author: a signed GET our secure mode accepted.
    gets = [a for a in p.arrivals if a.method == "GET" and a.url == mine["uri"]]
    assert [(a.sent_as, a.verified_as) for a in gets] == [("rfc9421", "rfc9421")]

    announce = await p.fedify.control("announce", object=mine["uri"])
    assert announce["delivered"], announce
    await until(lambda: _equals(counts, (1, 1)), what="the Announce applied")
    notifications = await p.api("GET", "/api/v1/notifications")
    kinds = {(n["type"], n["account"]["acct"]) for n in notifications}
    assert {("favourite", f"alice@{p.fedify.host}"), ("reblog", f"alice@{p.fedify.host}"),
            ("follow", f"alice@{p.fedify.host}")} <= kinds

    undone = await p.fedify.control("undo", id=like["id"])
    assert undone["delivered"], undone
    await until(lambda: _equals(counts, (0, 1)), what="the Undo(Like) applied")
    undone = await p.fedify.control("undo", id=announce["id"])
    assert undone["delivered"], undone
    await until(lambda: _equals(counts, (0, 0)), what="the Undo(Announce) applied")

    note, status = await alice_posts(p, "<p>soon gone</p>")
    deleted = await p.fedify.control("delete", id=note)
    assert deleted["delivered"], deleted

    async def gone() -> bool:
        async with p.http.get(p.node.url(f"/api/v1/statuses/{status['id']}"), headers=p.bob.headers) as resp:
            return resp.status == 404
    await until(gone, what="alice's deleted post gone")
    home = await p.api("GET", "/api/v1/timelines/home")
    assert note not in {s["uri"] for s in home}

    # Everything Fedify sent us was signed RFC 9421 and verified as such.
    kinds = {"Follow", "Accept", "Like", "Announce", "Undo", "Create", "Delete"}
    assert {a.type for a in p.arrivals if a.method == "POST"} == kinds
    assert {(a.sent_as, a.verified_as) for a in p.arrivals} == {("rfc9421", "rfc9421")}


async def test_a_peer_without_a_permit_is_refused(pair: Pair, tmp_path: Path) -> None:
    """Another Fedify server, not in our registry, cannot even resolve our
    account (its signed actor fetch is refused, 403, article 7(6)), and a
    POST to our inbox signed by it is refused; the node never contacts it,
    not even to resolve its actor."""
    p = pair
    other = await start_fedify(tmp_path / "unlisted", permit=UNLISTED_PERMIT)
    try:
        async with other.http.post(f"{other.origin}/_control/follow", json={"target": p.bob.account.uri}) as resp:
            answer = await resp.json()
        assert resp.status != 200 and "no actor" in answer["error"], answer
        followers = await p.api("GET", f"/api/v1/accounts/{p.bob.account.id}/followers")
        assert followers == []
        found = await p.api("GET", "/api/v2/search", params={
            "q": f"@alice@{other.host}", "resolve": "true", "type": "accounts"})
        assert found["accounts"] == []
        assert await other.view("requests") == []  # no GET, no POST: never contacted
        assert await other.inbox() == []
    finally:
        await other.close()


async def _equals(get: Any, expected: Any) -> bool:
    return bool(await get() == expected)
