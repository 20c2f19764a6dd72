"""Audited actions beyond moderation proper: identity reveals, permits,
screening reloads and the review queue, staff sign-in (articles 7(1), 7(4))."""

from __future__ import annotations

import json

import aiohttp

from node.keys import DB
from policy import audit
from tests.node.identity_reveals import make_officer, reveal_identity
from tests.conftest import Node
from tests.node.test_identity import VALID_ID, verify
from tests.node.test_oauth_authorize import parse_form
from tests.node.test_screening_api import post, snode  # noqa: F401 (fixture)


async def _log(node: Node) -> list[dict]:
    rows = await node.app[DB].fetchall("SELECT actor, action, target_type, target_id, details_json FROM audit_log"
                                       " ORDER BY id")
    return [{**dict(r), "details": json.loads(r["details_json"])} for r in rows]


async def test_identity_reveal_is_audited_without_the_identity(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an admin and a verified person with a name and an identity number
    admin = await node.account("root", role="admin")
    alice = await node.account("alice", verified=False)
    assert (await verify(http, node, alice, node.attestation("p9", name="王五", id_number=VALID_ID)))[0] == 200
    officer = await make_officer(node, await node.account("officer"))
    # When the officer asks, the admin approves and the officer reveals it
    await reveal_identity(node, http, officer, admin, alice.account.id, "court order 17")
    # Then the audit log says who asked, who approved, who revealed, why and which account
    grant, asked, approved, entry = await _log(node)
    assert grant["action"] == "account.grant_identity_officer"
    assert (asked["actor"], asked["action"], asked["details"]["reason"]) == (
        "officer", "identity.reveal_request", "court order 17")
    assert (approved["actor"], approved["action"]) == ("root", "identity.reveal_approve")
    assert (entry["actor"], entry["action"], entry["target_type"]) == ("officer", "identity.reveal", "account")
    assert entry["target_id"] == str(alice.account.id) and entry["details"]["reason"] == "court order 17"
    assert entry["details"]["approved_by"] == admin.account.id
    # And nothing of the identity itself
    raw = await node.app[DB].fetchall("SELECT * FROM audit_log")
    assert "王五" not in str([tuple(r) for r in raw]) and VALID_ID not in str([tuple(r) for r in raw])
    # And the identity_reveals table still records it too
    assert await node.app[DB].fetchval("SELECT count(*) FROM identity_reveals") == 1


async def test_permit_changes_are_audited_with_before_and_after(node: Node, http: aiohttp.ClientSession) -> None:
    root = await node.account("root", role="admin")
    base = node.url("/api/v1/admin/domain_allows")
    async with http.post(base, json={"domain": "peer.example.cn", "number": "京ICP备12345678号-1"},
                         headers=root.headers) as resp:
        created = await resp.json()
    async with http.post(f"{base}/{created['id']}/suspend", headers=root.headers) as resp:
        assert resp.status == 200
    async with http.delete(f"{base}/{created['id']}", headers=root.headers) as resp:
        assert resp.status == 200
    entries = await _log(node)
    assert [e["action"] for e in entries] == ["permit.create", "permit.suspend", "permit.delete"]
    assert entries[1]["details"]["before"]["status"] == "active"
    assert entries[1]["details"]["after"]["status"] == "suspended"
    assert entries[2]["details"]["after"] is None and entries[2]["target_id"] == "peer.example.cn"


async def test_screening_reload_is_audited(node: Node, http: aiohttp.ClientSession) -> None:
    mod = await node.account("mod", role="moderator")
    async with http.post(node.url("/api/v1/admin/screening/reload"), headers=mod.headers) as resp:
        assert resp.status == 200
    (entry,) = await _log(node)
    assert entry["action"] == "screening.reload" and entry["actor"] == "mod" and entry["details"]["ok"] is True


async def test_staff_sign_in_is_audited_and_users_are_not(node: Node) -> None:
    await node.account("mod", role="moderator", password="a good password")
    await node.account("plain", password="a good password")
    for login in ("plain", "mod"):
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            async with browser.get(node.url("/auth/sign_in")) as resp:
                form = parse_form(await resp.text())
            async with browser.post(node.url("/auth/sign_in"), allow_redirects=False,
                                    data={**form.fields, "login": login, "password": "a good password"}) as resp:
                assert resp.status == 303
    (entry,) = await _log(node)
    assert (entry["actor"], entry["action"], entry["details"]["role"]) == ("mod", "staff.sign_in", "moderator")


async def test_chain_verifies_after_a_sequence_of_actions(node: Node, http: aiohttp.ClientSession) -> None:
    mod = await node.account("mod", role="admin")
    alice = await node.account("alice")
    for kind in ("silence", "sensitive", "none"):
        async with http.post(node.url(f"/api/v1/admin/accounts/{alice.account.id}/action"), json={"type": kind},
                             headers=mod.headers) as resp:
            assert resp.status == 200
    for undo in ("unsilence", "unsensitive"):
        async with http.post(node.url(f"/api/v1/admin/accounts/{alice.account.id}/{undo}"),
                             headers=mod.headers) as resp:
            assert resp.status == 200
    result = await audit.verify_database(node.app[DB])
    assert result.ok and result.count == 5


async def test_review_queue_decisions_are_audited(snode: Node, http: aiohttp.ClientSession) -> None:  # noqa: F811
    # Given two held posts
    alice = await snode.account("alice")
    mod = await snode.account("mod", role="moderator")
    for text in ("专业代开发票", "fake invoice here"):
        assert (await post(http, snode, alice, text))[0] == 200
    async with http.get(snode.url("/api/v1/admin/screening/queue"), headers=mod.headers) as resp:
        first, second = await resp.json()
    # When one is approved and one rejected
    async with http.post(snode.url(f"/api/v1/admin/screening/queue/{first['id']}/approve"), headers=mod.headers):
        pass
    async with http.post(snode.url(f"/api/v1/admin/screening/queue/{second['id']}/reject"),
                         json={"reason": "invoice selling"}, headers=mod.headers):
        pass
    # Then both decisions are in the audit log, naming the item and the status
    entries = await _log(snode)
    assert [(e["action"], e["target_id"]) for e in entries] == [("queue.approve", first["id"]),
                                                                 ("queue.reject", second["id"])]
    assert entries[1]["details"]["reason"] == "invoice selling"
    assert entries[1]["details"]["status_id"] == second["status_id"]
