"""Real identity in the back end, a free name in front (articles 7(4), 9, 15)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import aiohttp
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.identity_runtime import DEV_AUTHORITY_ID, dev_authority, load_identity_keys
from node.keys import DB
from policy.identity import issue_attestation
from policy.identity.authority import sign_payload
from policy.identity.enrolment import reencrypt_all
from policy.identity.vault import rotate_key_file
from tests.node.identity_reveals import make_officer, reveal_identity
from tests.conftest import Node, Session, start_node

VALID_ID = "11010519491231002X"


async def post_status(http: aiohttp.ClientSession, node: Node, who: Session, text: str) -> aiohttp.ClientResponse:
    async with http.post(node.url("/api/v1/statuses"), json={"status": text}, headers=who.headers) as resp:
        await resp.read()
        return resp


async def verify(http: aiohttp.ClientSession, node: Node, who: Session, token: str) -> tuple[int, dict]:
    async with http.post(node.url("/api/v1/identity/verify"), json={"attestation": token},
                         headers=who.headers) as resp:
        return resp.status, await resp.json()


async def test_unverified_account_reads_but_cannot_post(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an account without a verified identity
    bob = await node.account("bob", verified=False)
    # When it reads and then tries to post
    async with http.get(node.url("/api/v1/timelines/home"), headers=bob.headers) as resp:
        assert resp.status == 200
    async with http.post(node.url("/api/v1/statuses"), json={"status": "hello"}, headers=bob.headers) as resp:
        body = await resp.json()
    # Then posting is refused with 403 saying where to verify
    assert resp.status == 403
    assert "Identity verification is required" in body["error"]
    assert body["verify_url"] == node.url("/settings/identity")
    # And nothing was stored
    count = await node.app[DB].fetchval("SELECT count(*) FROM statuses WHERE account_id = ?", (bob.account.id,))
    assert count == 0


async def test_profile_text_needs_identity_but_other_settings_do_not(node: Node, http: aiohttp.ClientSession) -> None:
    bob = await node.account("bob", verified=False)
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), json={"display_name": "Bob"},
                          headers=bob.headers) as resp:
        assert resp.status == 403
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), json={"locked": True},
                          headers=bob.headers) as resp:
        assert resp.status == 200


async def test_verify_by_json_then_post(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an unverified account and an attestation from the development authority
    bob = await node.account("bob", verified=False)
    token = node.attestation("person-1", name="张三", id_number=VALID_ID)
    # When it verifies through the JSON endpoint
    status, body = await verify(http, node, bob, token)
    # Then it is verified, can post, and the response holds no legal data
    assert status == 200 and body["verified"] is True and body["can_publish"] is True
    assert "张三" not in str(body) and VALID_ID not in str(body)
    assert (await post_status(http, node, bob, "now I may post")).status == 200
    async with http.get(node.url("/api/v1/identity"), headers=bob.headers) as resp:
        assert (await resp.json())["verified"] is True


def _forged(node: Node, **overrides: object) -> str:
    key = Ed25519PrivateKey.generate()
    return issue_attestation(key, issuer=DEV_AUTHORITY_ID, subject="s", kind="person",
                             audience=node.config.node.domain, **overrides)  # type: ignore[arg-type]


@pytest.mark.parametrize("case,code", [
    ("malformed", "malformed"), ("bad_signature", "bad_signature"), ("unknown_authority", "unknown_authority"),
    ("wrong_audience", "wrong_audience"), ("expired", "expired"), ("bad_id_number", "bad_id_number"),
])
async def test_bad_attestations_are_refused_with_distinct_codes(
        node: Node, http: aiohttp.ClientSession, case: str, code: str) -> None:
    bob = await node.account("bob", verified=False)
    key = dev_authority(node.config)
    assert key is not None
    domain = node.config.node.domain
    tokens = {
        "malformed": "not-a-token",
        "bad_signature": _forged(node),
        "unknown_authority": issue_attestation(key, issuer="nobody", subject="s", kind="person", audience=domain),
        "wrong_audience": issue_attestation(key, issuer=DEV_AUTHORITY_ID, subject="s", kind="person",
                                            audience="elsewhere.cn"),
        "expired": issue_attestation(key, issuer=DEV_AUTHORITY_ID, subject="s", kind="person", audience=domain,
                                     now=1_000_000_000),
        "bad_id_number": _bad_id_token(node),
    }
    status, body = await verify(http, node, bob, tokens[case])
    assert status == 422 and body["code"] == code and body["error"]
    assert await node.app[DB].fetchval("SELECT count(*) FROM identities") == 0


def _bad_id_token(node: Node) -> str:
    key = dev_authority(node.config)
    assert key is not None
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    return sign_payload(key, {"iss": DEV_AUTHORITY_ID, "sub": "s", "kind": "person",
                              "aud": node.config.node.domain, "iat": now, "exp": now + 600,
                              "nonce": "bm9uY2Vub25jZW5vbmNlbm9uY2U", "id_number": "110105194912310021"})


async def test_replay_and_per_identity_limit(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    node, runner = await start_node(tmp_path / "n", identity="accounts_per_identity = 1")
    try:
        a = await node.account("a", verified=False)
        b = await node.account("b", verified=False)
        token = node.attestation("same-person")
        assert (await verify(http, node, a, token))[0] == 200
        # The same token again: replayed
        status, body = await verify(http, node, b, token)
        assert status == 422 and body["code"] == "replayed"
        # A fresh token for the same person: over the limit of one account
        status, body = await verify(http, node, b, node.attestation("same-person"))
        assert status == 422 and body["code"] == "limit_reached"
        assert await node.app[DB].fetchval("SELECT count(*) FROM identities") == 1
    finally:
        await runner.cleanup()


async def test_grace_period_for_accounts_older_than_enforcement(tmp_path: Path,
                                                                http: aiohttp.ClientSession) -> None:
    # Given enforcement that began tomorrow (so every existing account predates it)
    tomorrow = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ")
    node, runner = await start_node(
        tmp_path / "grace", identity=f'enforcement_started = "{tomorrow}"\ngrace_until = "{later}"')
    try:
        old = await node.account("old", verified=False)
        # Then the old account may still post, and verify_credentials says until when
        assert (await post_status(http, node, old, "still in grace")).status == 200
        async with http.get(node.url("/api/v1/identity"), headers=old.headers) as resp:
            state = await resp.json()
        assert state["reason"] == "grace" and state["grace_until"].startswith(later[:10])
    finally:
        await runner.cleanup()
    # When the grace deadline has passed
    past = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    start = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    node, runner = await start_node(
        tmp_path / "expired", identity=f'enforcement_started = "{start}"\ngrace_until = "{past}"')
    try:
        old = await node.account("old", verified=False)
        resp = await post_status(http, node, old, "too late")
        assert resp.status == 403
    finally:
        await runner.cleanup()


async def test_badge_shows_verified_never_who(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice", verified=False)
    assert (await verify(http, node, alice, node.attestation("p", name="李四")))[0] == 200
    async with http.patch(node.url("/api/v1/identity"), json={"show_verified": True},
                          headers=alice.headers) as resp:
        assert resp.status == 200
    async with http.get(node.url(f"/api/v1/accounts/{alice.account.id}")) as resp:
        account = await resp.json()
    fields = {f["name"]: f for f in account["fields"]}
    badge = [f for name, f in fields.items() if "Verified identity" in name]
    assert badge and badge[0]["verified_at"]
    assert "李四" not in str(account)


async def test_reveal_needs_an_officer_a_reason_and_a_second_persons_approval(node: Node,
                                                                              http: aiohttp.ClientSession) -> None:
    # Given an admin, a moderator, an identity officer and a verified person
    admin = await node.account("root", role="admin")
    mod = await node.account("mod", role="moderator")
    officer = await make_officer(node, await node.account("officer"))
    alice = await node.account("alice", verified=False)
    assert (await verify(http, node, alice, node.attestation("p2", name="王五", id_number=VALID_ID)))[0] == 200
    url = node.url(f"/api/v1/admin/accounts/{alice.account.id}/identity/reveal")
    # Then neither the admin nor the moderator may ask, and the officer must give a reason
    for who in (admin, mod):
        async with http.post(url, json={"reason": "court order"}, headers=who.headers) as resp:
            assert resp.status == 403 and (await resp.json())["code"] == "not_identity_officer"
    async with http.post(url, json={}, headers=officer.headers) as resp:
        assert resp.status == 422
    # When the officer asks, the request waits, and nothing is decrypted yet
    async with http.post(url, json={"reason": "court order 2026-17"}, headers=officer.headers) as resp:
        assert resp.status == 202
        asked = (await resp.json())["request"]
    assert asked["state"] == "pending" and "王五" not in str(asked)
    async with http.post(url, json={"request_id": asked["id"]}, headers=officer.headers) as resp:
        assert resp.status == 409 and (await resp.json())["code"] == "not_approved"
    # And the officer may not approve their own request; a moderator may
    approve = node.url(f"/api/v1/admin/identity/reveal_requests/{asked['id']}/approve")
    async with http.post(approve, headers=officer.headers) as resp:
        assert resp.status == 403 and (await resp.json())["code"] == "same_person"
    async with http.post(approve, json={"note": "order seen"}, headers=mod.headers) as resp:
        assert resp.status == 200 and (await resp.json())["state"] == "approved"
    # Then only the officer who asked reveals, once
    async with http.post(url, json={"request_id": asked["id"]}, headers=admin.headers) as resp:
        assert resp.status == 403
    async with http.post(url, json={"request_id": asked["id"]}, headers=officer.headers) as resp:
        body = await resp.json()
        assert resp.status == 200 and resp.headers["Cache-Control"] == "no-store"
    assert body["name"] == "王五" and body["id_number"] == VALID_ID
    async with http.post(url, json={"request_id": asked["id"]}, headers=officer.headers) as resp:
        assert resp.status == 409
    row = await node.app[DB].fetchone("SELECT actor, reason FROM identity_reveals WHERE account_id = ?",
                                      (alice.account.id,))
    assert row is not None and row["actor"] == "officer" and row["reason"] == "court order 2026-17"
    assert await node.app[DB].fetchval("SELECT count(*) FROM identity_reveals") == 1


async def test_a_denied_request_never_reveals(node: Node, http: aiohttp.ClientSession) -> None:
    admin = await node.account("root", role="admin")
    officer = await make_officer(node, await node.account("officer"))
    alice = await node.account("alice")
    url = node.url(f"/api/v1/admin/accounts/{alice.account.id}/identity/reveal")
    async with http.post(url, json={"reason": "curiosity"}, headers=officer.headers) as resp:
        asked = (await resp.json())["request"]
    async with http.post(node.url(f"/api/v1/admin/identity/reveal_requests/{asked['id']}/deny"),
                         json={"note": "no grounds"}, headers=admin.headers) as resp:
        assert (await resp.json())["state"] == "denied"
    async with http.post(url, json={"request_id": asked["id"]}, headers=officer.headers) as resp:
        assert resp.status == 409
    assert await node.app[DB].fetchval("SELECT count(*) FROM identity_reveals") == 0


async def test_without_approval_configured_the_officer_reveals_at_once(tmp_path: Path,
                                                                        http: aiohttp.ClientSession) -> None:
    node, runner = await start_node(tmp_path / "n", identity="reveal_needs_approval = false")
    try:
        officer = await make_officer(node, await node.account("officer"))
        alice = await node.account("alice", verified=False)
        assert (await verify(http, node, alice, node.attestation("p3", name="赵六")))[0] == 200
        async with http.post(node.url(f"/api/v1/admin/accounts/{alice.account.id}/identity/reveal"),
                             json={"reason": "case 9"}, headers=officer.headers) as resp:
            assert resp.status == 200 and (await resp.json())["name"] == "赵六"
        actions = [r[0] for r in await node.app[DB].fetchall("SELECT action FROM audit_log ORDER BY id")]
        assert actions[-2:] == ["identity.reveal_request", "identity.reveal"]
    finally:
        await runner.cleanup()


async def test_settings_page_verifies_for_a_browser(node: Node) -> None:
    # Given an unverified account signed in through the node's own login form
    await node.account("carol", verified=False, password="a good password")
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:
        async with browser.get(node.url("/settings/identity")) as resp:
            page = await resp.text()
            assert "/auth/sign_in" in str(resp.url)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf is not None
        async with browser.post(node.url("/auth/sign_in"), data={
                "csrf_token": csrf.group(1), "login": "carol", "password": "a good password",
                "next": "/settings/identity"}) as resp:
            page = await resp.text()
        assert "not verified" in page and "京ICP备12345678号-1" in page
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf is not None
        # When the attestation is pasted into the form
        async with browser.post(node.url("/settings/identity"), data={
                "csrf_token": csrf.group(1), "attestation": node.attestation("carol-person")}) as resp:
            page = await resp.text()
        # Then the page says so
        assert resp.status == 200 and "Your identity is verified" in page


async def test_sign_up_with_attestation_and_refusal_leaves_nothing(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an app token (client credentials)
    async with http.post(node.url("/api/v1/apps"), json={"client_name": "t", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                                                          "scopes": "read write"}) as resp:
        app = await resp.json()
    async with http.post(node.url("/oauth/token"), data={"grant_type": "client_credentials", "client_id": app["client_id"],
                                                         "client_secret": app["client_secret"], "scope": "read write"}) as resp:
        app_token = (await resp.json())["access_token"]
    headers = {"Authorization": f"Bearer {app_token}"}
    form = {"username": "dora", "email": "dora@example.test", "password": "long enough pw", "agreement": "true"}
    # When signing up with a bad attestation
    async with http.post(node.url("/api/v1/accounts"), data={**form, "identity_attestation": "junk"},
                         headers=headers) as resp:
        body = await resp.json()
    # Then 422 naming the attestation, and no account exists
    assert resp.status == 422 and body["details"]["identity_attestation"][0]["error"] == "ERR_MALFORMED"
    assert await node.app[DB].fetchval("SELECT count(*) FROM accounts WHERE username = 'dora'") == 0
    # When signing up with a good one
    async with http.post(node.url("/api/v1/accounts"),
                         data={**form, "identity_attestation": node.attestation("dora-person")},
                         headers=headers) as resp:
        token = (await resp.json())["access_token"]
    # Then the new account is verified and verify_credentials says it may post
    async with http.get(node.url("/api/v1/accounts/verify_credentials"),
                        headers={"Authorization": f"Bearer {token}"}) as resp:
        me = await resp.json()
    assert me["identity"]["verified"] is True and me["identity"]["can_publish"] is True


async def test_key_rotation_while_serving(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a verified account on a running node
    alice = await node.account("alice", verified=False)
    assert (await verify(http, node, alice, node.attestation("a", name="甲")))[0] == 200
    # When another process rotates the key file and re-encrypts (as `identity rotate-key` does)
    new_key = rotate_key_file(node.config.identity.key_file)
    assert await reencrypt_all(node.app[DB], await load_identity_keys(node.config, node.app[DB])) == 1
    # Then the running node verifies the next account under the new key, and reveals both
    bob = await node.account("bob", verified=False)
    assert (await verify(http, node, bob, node.attestation("b", name="乙")))[0] == 200
    blobs = [r[0] for r in await node.app[DB].fetchall("SELECT name_blob FROM identities ORDER BY account_id")]
    assert all(b.startswith(f"{new_key}:") for b in blobs)
    admin = await node.account("root", role="admin")
    officer = await make_officer(node, await node.account("officer"))
    for who, name in ((alice, "甲"), (bob, "乙")):
        assert (await reveal_identity(node, http, officer, admin, who.account.id, "rotation check"))["name"] == name
