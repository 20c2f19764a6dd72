"""Accounts over HTTP: sign-up in each registration mode, the 422 details,
verify/update credentials, showing, looking up and searching accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node.entities.account import IDENTITY_FIELD_NAME
from node.keys import DB, IDS
from policy import permits
from tests.conftest import Node, start_node
from tests.node.test_oauth import bearer, post_token, register_app
from tests.openapi import assert_matches


async def app_token(http: aiohttp.ClientSession, node: Node) -> str:
    app = await register_app(http, node)
    status, body = await post_token(http, node, {"grant_type": "client_credentials", "client_id": app["client_id"],
                                                 "client_secret": app["client_secret"],
                                                 "scope": "read write follow push"})
    assert status == 200
    return str(body["access_token"])


SIGN_UP = {"username": "newbie", "email": "newbie@example.test", "password": "long enough",
           "agreement": "true", "locale": "zh", "reason": "I would like to post about gambling ads"}


async def sign_up(http: aiohttp.ClientSession, node: Node, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    token = await app_token(http, node)
    async with http.post(node.url("/api/v1/accounts"), data=form, headers=bearer(token)) as resp:
        return resp.status, await resp.json()


@pytest.fixture
async def node_in_mode(tmp_path: Path, request: pytest.FixtureRequest) -> Any:
    n, runner = await start_node(tmp_path / "node", registrations=request.param)
    yield n
    await runner.cleanup()


async def test_open_sign_up_gives_a_working_token(node: Node, http: aiohttp.ClientSession) -> None:
    # When someone signs up on an open node
    status, token = await sign_up(http, node, SIGN_UP)
    # Then they get a user token that works
    assert status == 200
    assert_matches("/api/v1/accounts", "post", 200, token)
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=bearer(token["access_token"])) as r:
        me = await r.json()
    assert r.status == 200 and me["username"] == "newbie"
    assert_matches("/api/v1/accounts/verify_credentials", "get", 200, me)


@pytest.mark.parametrize("node_in_mode", ["approval"], indirect=True)
async def test_approval_mode_creates_pending_account(node_in_mode: Node, http: aiohttp.ClientSession) -> None:
    node = node_in_mode
    # When someone signs up on a node that approves sign-ups
    status, token = await sign_up(http, node, SIGN_UP)
    # Then a token is issued but refused until a moderator approves
    assert status == 200
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=bearer(token["access_token"])) as r:
        assert r.status == 403
    account_id = await node.app[DB].fetchval("SELECT id FROM accounts WHERE username = 'newbie'")
    async with http.get(node.url(f"/api/v1/accounts/{account_id}")) as r:
        assert r.status == 404
    # And a reason is required
    status, body = await sign_up(http, node, {**SIGN_UP, "username": "other", "email": "o@example.test",
                                              "reason": ""})
    assert status == 422 and body["details"]["reason"][0]["error"] == "ERR_BLANK"
    # When approved, the token works
    await node.app[DB].execute("UPDATE users SET approved = 1 WHERE account_id = ?", (account_id,))
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=bearer(token["access_token"])) as r:
        assert r.status == 200


@pytest.mark.parametrize("node_in_mode", ["closed"], indirect=True)
async def test_closed_mode_refuses_sign_up(node_in_mode: Node, http: aiohttp.ClientSession) -> None:
    status, body = await sign_up(http, node_in_mode, SIGN_UP)
    assert status == 403 and body["error"] == "This action is not allowed"


async def test_sign_up_validation_details(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a taken username
    await node.account("taken")
    # When a sign-up repeats it and does not accept the rules
    status, body = await sign_up(http, node, {**SIGN_UP, "username": "taken", "agreement": "false"})
    # Then Mastodon's 422 names every field
    assert status == 422
    assert_matches("/api/v1/accounts", "post", 422, body)
    assert body["details"]["username"][0]["error"] == "ERR_TAKEN"
    assert body["details"]["agreement"][0]["error"] == "ERR_ACCEPTED"
    assert body["error"].startswith("Validation failed: ") and "Username" in body["error"]
    # And blank fields are ERR_BLANK
    status, body = await sign_up(http, node, {"agreement": "true"})
    assert {f: d[0]["error"] for f, d in body["details"].items()} == {
        "username": "ERR_BLANK", "email": "ERR_BLANK", "password": "ERR_BLANK"}


async def test_sign_up_needs_an_app_token(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    async with http.post(node.url("/api/v1/accounts"), data=SIGN_UP, headers=alice.headers) as resp:
        assert resp.status == 403
    async with http.post(node.url("/api/v1/accounts"), data=SIGN_UP) as resp:
        assert resp.status == 401


async def test_update_credentials_round_trip(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice, identity verified (profile text is published text), linking a permitted host
    alice = await node.account("alice", verified=True)
    await permits.import_permits(node.app[DB], node.app[IDS], [permits.validate_entry("alice.example", "京ICP备12345678号-1")])
    # When she updates her profile with JSON, fields as an object keyed by index
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), headers=alice.headers, json={
            "display_name": "Alice", "note": "Buy <b>nothing</b>\nsee https://alice.example",
            "bot": True, "discoverable": False, "indexable": False,
            "fields_attributes": {"1": {"name": "Second", "value": "two"}, "0": {"name": "First", "value": "one"}},
            "source": {"privacy": "private", "sensitive": True, "language": "zh"}}) as resp:
        body = await resp.json()
    # Then the CredentialAccount shows it, the note as safe HTML with its source kept
    assert resp.status == 200, body
    assert_matches("/api/v1/accounts/update_credentials", "patch", 200, body)
    assert body["note"] == ('<p>Buy &lt;b&gt;nothing&lt;/b&gt;<br />see <a href="https://alice.example"'
                            ' target="_blank" rel="nofollow noopener noreferrer" translate="no">'
                            '<span class="invisible">https://</span><span class="">alice.example</span>'
                            '<span class="invisible"></span></a></p>')
    assert body["source"]["note"] == "Buy <b>nothing</b>\nsee https://alice.example"
    assert [f["name"] for f in body["fields"]] == ["First", "Second"]
    assert (body["bot"], body["discoverable"], body["indexable"]) == (True, False, False)
    assert body["source"]["privacy"] == "private" and body["source"]["sensitive"] is True
    assert body["source"]["language"] == "zh"
    # And the public Account shows the same
    async with http.get(node.url(f"/api/v1/accounts/{alice.account.id}")) as resp:
        public = await resp.json()
    assert_matches("/api/v1/accounts/{id}", "get", 200, public)
    assert public["display_name"] == "Alice" and public["note"] == body["note"]
    # When form fields clear the profile fields
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), headers=alice.headers,
                          data={"fields_attributes[0][name]": "", "fields_attributes[0][value]": ""}) as resp:
        assert (await resp.json())["fields"] == []


async def test_update_credentials_validation(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), headers=alice.headers, json={
            "display_name": "x" * 31, "source": {"privacy": "everyone"}}) as resp:
        body = await resp.json()
    assert resp.status == 422
    assert body["details"]["display_name"][0]["error"] == "ERR_TOO_LONG"
    assert body["details"]["source[privacy]"][0]["error"] == "ERR_INCLUSION"
    # Nobody may fake the node's verified-identity field
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), headers=alice.headers, json={
            "fields_attributes": [{"name": IDENTITY_FIELD_NAME, "value": "✓"}]}) as resp:
        assert resp.status == 422 and (await resp.json())["details"]["fields"][0]["error"] == "ERR_RESERVED"
    # A read-only token may not write
    app = await register_app(http, node)
    status, token = await post_token(http, node, {
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": "alice", "password": "correct horse", "scope": "read"})
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), data={"display_name": "y"},
                          headers=bearer(token["access_token"])) as resp:
        assert resp.status == 403


async def test_update_goes_through_the_publication_gate(node: Node, http: aiohttp.ClientSession,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a gate that records what it is asked (the seam screening plugs into)
    from node import gate
    seen: list[tuple[str, list[tuple[str, str]]]] = []

    async def recording(app: Any, account: Any, fields: Any, *, kind: str = "status") -> gate.Vetting:
        seen.append((kind, list(fields)))
        return gate.Vetting()

    monkeypatch.setattr(gate, "vet_publication", recording)
    alice = await node.account("alice")
    # When alice changes her profile text
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), headers=alice.headers, data={
            "display_name": "A", "note": "n", "fields_attributes[0][name]": "k",
            "fields_attributes[0][value]": "v"}) as resp:
        assert resp.status == 200
    # Then every text field was vetted as profile text
    assert seen == [("profile", [("display_name", "A"), ("note", "n"), ("fields_attributes[0][name]", "k"),
                                 ("fields_attributes[0][value]", "v")])]


async def test_unverified_profile_text_is_refused_by_the_gate(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an account without a verified identity (article 9)
    newbie = await node.account("newbie", verified=False)
    # When it sets profile text, the real gate refuses it with where to verify
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), headers=newbie.headers,
                          data={"note": "hello"}) as resp:
        body = await resp.json()
    assert resp.status == 403 and body["verify_url"]
    # But it may still lock its account, which publishes nothing
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), headers=newbie.headers,
                          data={"locked": "true"}) as resp:
        assert resp.status == 200 and (await resp.json())["locked"] is True


async def test_gate_refusal_stores_nothing(node: Node, http: aiohttp.ClientSession,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a gate that refuses this profile text
    from node import gate
    from node.errors import json_error

    async def refusing(app: Any, account: Any, fields: Any, *, kind: str = "status") -> gate.Vetting:
        raise json_error(422, "This profile was not published", category="spam")

    monkeypatch.setattr(gate, "vet_publication", refusing)
    alice = await node.account("alice")
    # When alice tries to set it
    async with http.patch(node.url("/api/v1/accounts/update_credentials"), headers=alice.headers,
                          data={"display_name": "Cheap followers here"}) as resp:
        body = await resp.json()
    # Then the refusal reaches the client and the profile is unchanged
    assert (resp.status, body["category"]) == (422, "spam")
    async with http.get(node.url(f"/api/v1/accounts/{alice.account.id}")) as resp:
        assert (await resp.json())["display_name"] == ""


async def test_show_lookup_index_and_search(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bobby")
    # Lookup by username or full handle
    for acct in ("alice", f"alice@{node.config.node.domain}", "@alice"):
        async with http.get(node.url("/api/v1/accounts/lookup"), params={"acct": acct}) as resp:
            assert (await resp.json())["id"] == str(alice.account.id)
    async with http.get(node.url("/api/v1/accounts/lookup"), params={"acct": "nobody"}) as resp:
        assert resp.status == 404 and await resp.json() == {"error": "Record not found"}
    # Unknown and malformed ids are 404
    for path in ("/api/v1/accounts/123", "/api/v1/accounts/abc"):
        async with http.get(node.url(path)) as resp:
            assert resp.status == 404
    # Several at once, in the order asked
    async with http.get(node.url("/api/v1/accounts"),
                        params=[("id[]", str(bob.account.id)), ("id[]", "1"), ("id[]", str(alice.account.id))]) as r:
        assert [a["username"] for a in await r.json()] == ["bobby", "alice"]
    # Search needs a user token and finds by prefix
    async with http.get(node.url("/api/v1/accounts/search"), params={"q": "bob"}) as resp:
        assert resp.status == 401
    async with http.get(node.url("/api/v1/accounts/search"), params={"q": "bob"}, headers=alice.headers) as resp:
        found = await resp.json()
    assert_matches("/api/v1/accounts/search", "get", 200, found)
    assert [a["username"] for a in found] == ["bobby"]


async def test_staff_hear_of_each_sign_up(node: Node, http: aiohttp.ClientSession) -> None:
    admin, user = await node.account("root", role="admin"), await node.account("reader")
    status, _token = await sign_up(http, node, SIGN_UP)
    assert status == 200
    async with http.get(node.url("/api/v1/notifications"), headers=admin.headers) as resp:
        notes = await resp.json()
    assert_matches("/api/v1/notifications", "get", 200, notes)
    assert [(n["type"], n["account"]["username"]) for n in notes] == [("admin.sign_up", "newbie")]
    async with http.get(node.url("/api/v1/notifications"), headers=user.headers) as resp:
        assert await resp.json() == []
