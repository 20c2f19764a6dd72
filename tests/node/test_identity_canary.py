"""A planted canary identity appears in no response, log line or raw database byte.

Article 7(4): the legal name and identity number never leave the node.
The canary's account verifies, posts, is followed, searched, listed and
looked at through the client API, the admin API, the HTML pages and the
ActivityPub documents; every body, every log record and the SQLite files
(database and write-ahead log) are then searched for the canary values.
"""

from __future__ import annotations

import logging

import aiohttp
import pytest

from tests import backends
from tests.node.identity_reveals import make_officer, reveal_identity
from tests.conftest import Node, Session

CANARY_NAME = "金丝雀测试员甲"
CANARY_NUMBER = "11010519491231002X"
CANARY_SUBJECT = "canary-subject-7f3a"


def _paths(me: Session, other: Session, status_id: str) -> list[str]:
    a, o = me.account.id, other.account.id
    return [
        "/", "/api/v1/instance", "/api/v2/instance", "/nodeinfo/2.1", "/.well-known/nodeinfo",
        "/api/v1/accounts/verify_credentials", f"/api/v1/accounts/{a}", f"/api/v1/accounts/{a}/statuses",
        f"/api/v1/accounts/{a}/followers", f"/api/v1/accounts/{o}/following",
        f"/api/v1/accounts/lookup?acct={me.account.username}", "/api/v1/accounts/search?q=canary",
        f"/api/v1/accounts/relationships?id[]={a}", "/api/v1/identity",
        f"/api/v1/statuses/{status_id}", f"/api/v1/statuses/{status_id}/context",
        "/api/v1/timelines/home", "/api/v1/timelines/public", "/api/v1/notifications",
        "/api/v2/notifications", "/api/v2/search?q=canary", "/api/v2/search?q=测试员",
        "/api/v1/admin/screening/queue", "/api/v1/admin/domain_allows",
        f"/users/{me.account.username}", f"/@{me.account.username}", "/settings/identity",
        f"/.well-known/webfinger?resource=acct:{me.account.username}@{me.account.username}",
    ]


async def _sweep(http: aiohttp.ClientSession, node: Node, who: Session, paths: list[str]) -> list[str]:
    bodies = []
    for path in paths:
        for accept in ("application/json", "application/activity+json", "text/html"):
            async with http.get(node.url(path), headers={**who.headers, "Accept": accept}) as resp:
                bodies.append(await resp.text())
                assert resp.status < 500, f"GET {path} ({accept}) failed: {resp.status}"
    return bodies


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


async def test_canary_identity_never_leaves_the_node(node: Node, http: aiohttp.ClientSession,
                                                     all_logs: pytest.LogCaptureFixture) -> None:
    # Given an account verified with the canary identity, and a second, admin account
    canary = await node.account("canary", verified=False)
    admin = await node.account("root", role="admin")
    token = node.attestation(CANARY_SUBJECT, name=CANARY_NAME, id_number=CANARY_NUMBER)
    async with http.post(node.url("/api/v1/identity/verify"), json={"attestation": token},
                         headers=canary.headers) as resp:
        bodies = [await resp.text()]
    # When the account does what people do, and everyone looks at everything
    async with http.post(node.url("/api/v1/statuses"), json={"status": "canary says hi #canary"},
                         headers=canary.headers) as resp:
        status_id = (await resp.json())["id"]
    async with http.patch(node.url("/api/v1/identity"), json={"show_verified": True}, headers=canary.headers) as resp:
        bodies.append(await resp.text())
    async with http.post(node.url(f"/api/v1/accounts/{canary.account.id}/follow"), headers=admin.headers) as resp:
        bodies.append(await resp.text())
    # A bad attestation's error must not echo the canary either
    async with http.post(node.url("/api/v1/identity/verify"), json={"attestation": token},
                         headers=admin.headers) as resp:
        bodies.append(await resp.text())
    for who in (canary, admin):
        bodies += await _sweep(http, node, who, _paths(canary, admin, status_id))
    # Then no body, no log record and no byte of the database holds the canary
    logs = "\n".join(f"{r.getMessage()} {r.args!r}" for r in all_logs.records)
    for value in (CANARY_NAME, CANARY_NUMBER, CANARY_SUBJECT):
        assert not [b for b in bodies if value in b], f"{value} leaked in a response"
        assert value not in logs, f"{value} leaked in the logs"
    raw = backends.stored_bytes(node.config.storage.target())
    for value in (CANARY_NAME, CANARY_NUMBER, CANARY_SUBJECT):
        assert value.encode() not in raw, f"{value} is stored in plain text"
    # And the reveal, the one audited way, still finds it
    officer = await make_officer(node, await node.account("officer"))
    assert (await reveal_identity(node, http, officer, admin, canary.account.id, "canary check"))["name"] == CANARY_NAME


async def test_secrets_in_a_query_are_refused_and_never_logged(node: Node, http: aiohttp.ClientSession,
                                                               all_logs: pytest.LogCaptureFixture) -> None:
    # Given an unverified account and the canary's attestation, a password and a token
    canary = await node.account("canary", verified=False)
    attestation = node.attestation(CANARY_SUBJECT, name=CANARY_NAME, id_number=CANARY_NUMBER)
    password = "canary-password-5d1e"
    # When they are put in query strings (issue #14: the access log kept them whole)
    refused = [
        ("POST", f"/api/v1/identity/verify?attestation={attestation}", canary.headers),
        ("POST", f"/api/v1/accounts?identity_attestation={attestation}", {}),
        ("POST", f"/oauth/token?grant_type=password&username=canary&password={password}", {}),
        ("POST", f"/auth/sign_in?password={password}&username=canary", {}),
        ("POST", f"/oauth/revoke?token={canary.token}", {}),
        ("POST", "/oauth/token?grant_type=authorization_code&code=canary-code-77", {}),
        ("GET", f"/api/v1/accounts/verify_credentials?user[password]={password}", canary.headers),
    ]
    for method, path, headers in refused:
        async with http.request(method, node.url(path), headers=headers) as resp:
            # Then each is refused with 400, naming the key, echoing nothing
            body = await resp.text()
            assert resp.status == 400, (path, body)
            assert "URL" in body and attestation not in body and password not in body
    async with http.get(node.url("/api/v1/identity"), headers=canary.headers) as resp:
        assert (await resp.json())["verified"] is False
    # An access token in a query is still taken (Mastodon's streaming and some clients use it)
    async with http.get(node.url(f"/api/v1/accounts/verify_credentials?access_token={canary.token}")) as resp:
        assert resp.status == 200
    async with http.get(node.url("/oauth/authorize/native?code=canary-code-77")) as resp:
        assert resp.status < 500
    # And no log record holds any of them: the access log writes [FILTERED]
    logs = "\n".join(f"{r.getMessage()} {r.args!r}" for r in all_logs.records)
    access = [r.getMessage() for r in all_logs.records if r.name == "aiohttp.access"]
    assert any("/api/v1/identity/verify?attestation=[FILTERED]" in line for line in access), access
    assert any("access_token=[FILTERED]" in line for line in access)
    for value in (attestation, password, canary.token, "canary-code-77", CANARY_NAME, CANARY_NUMBER,
                  CANARY_SUBJECT):
        assert value not in logs, f"{value[:12]}... leaked in the logs"
