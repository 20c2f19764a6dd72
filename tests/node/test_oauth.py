"""OAuth apps, the token endpoint, revocation and discovery, over HTTP."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import aiohttp

from tests.conftest import Node
from tests.openapi import assert_matches

OOB = "urn:ietf:wg:oauth:2.0:oob"


async def register_app(http: aiohttp.ClientSession, node: Node, *, redirect_uris: str | list[str] = OOB,
                       scopes: str = "read write follow push") -> dict[str, Any]:
    """POST /api/v1/apps as a client would; returns the CredentialApplication."""
    if isinstance(redirect_uris, list):
        request = http.post(node.url("/api/v1/apps"), json={
            "client_name": "Test Client", "redirect_uris": redirect_uris, "scopes": scopes})
    else:
        request = http.post(node.url("/api/v1/apps"), data={
            "client_name": "Test Client", "redirect_uris": redirect_uris, "scopes": scopes})
    async with request as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def post_token(http: aiohttp.ClientSession, node: Node, form: dict[str, str],
                     headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    async with http.post(node.url("/oauth/token"), data=form, headers=headers or {}) as resp:
        return resp.status, await resp.json()


async def password_token(http: aiohttp.ClientSession, node: Node, app: dict[str, Any], login: str,
                         scope: str = "read write follow") -> dict[str, Any]:
    status, body = await post_token(http, node, {
        "grant_type": "password", "client_id": app["client_id"], "client_secret": app["client_secret"],
        "username": login, "password": "correct horse", "scope": scope})
    assert status == 200, body
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_app_registration_shapes_and_redirect_uris(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an oob URI, a custom scheme and an https address, newline separated
    uris = f"{OOB}\nmyapp://oauth-callback\nhttps://client.example/cb"
    # When a client registers
    app = await register_app(http, node, redirect_uris=uris, scopes="read write:statuses follow")
    # Then it gets Mastodon's CredentialApplication with every URI
    assert_matches("/api/v1/apps", "post", 200, app)
    assert app["redirect_uris"] == [OOB, "myapp://oauth-callback", "https://client.example/cb"]
    assert app["redirect_uri"] == uris
    assert app["scopes"] == ["read", "write:statuses", "follow"]
    assert app["client_id"] and app["client_secret"]
    # And the node's Web Push key, the one its instance document names
    async with http.get(node.url("/api/v2/instance")) as resp:
        assert app["vapid_key"] == (await resp.json())["configuration"]["vapid"]["public_key"] != ""
    # And redirect URIs may come as a JSON array too
    as_array = await register_app(http, node, redirect_uris=["myapp://a", "myapp://b"])
    assert as_array["redirect_uris"] == ["myapp://a", "myapp://b"]


async def test_app_registration_refusals(node: Node, http: aiohttp.ClientSession) -> None:
    cases = [
        ({"redirect_uris": OOB}, "Application name can't be blank"),
        ({"client_name": "x"}, "Redirect URI can't be blank"),
        ({"client_name": "x", "redirect_uris": "javascript:alert(1)"}, "forbidden"),
        ({"client_name": "x", "redirect_uris": "https://a.example/cb#frag"}, "fragment"),
        ({"client_name": "x", "redirect_uris": "/relative"}, "absolute"),
        ({"client_name": "x", "redirect_uris": OOB, "scopes": "read hack:everything"}, "Scopes"),
        ({"client_name": "x", "redirect_uris": OOB, "website": "not a url"}, "Website"),
    ]
    for form, expected in cases:
        # When a registration breaks one rule
        async with http.post(node.url("/api/v1/apps"), data=form) as resp:
            body = await resp.json()
        # Then it is Mastodon's 422 naming it
        assert resp.status == 422, form
        assert body["error"].startswith("Validation failed: ") and expected in body["error"], body


async def test_discovery_document(node: Node, http: aiohttp.ClientSession) -> None:
    # When a client reads the RFC 8414 metadata
    async with http.get(node.url("/.well-known/oauth-authorization-server")) as resp:
        body = await resp.json()
    # Then it lists the endpoints and every grant the node supports
    assert resp.status == 200
    assert_matches("/.well-known/oauth-authorization-server", "get", 200, body)
    assert body["token_endpoint"] == node.url("/oauth/token")
    assert set(body["grant_types_supported"]) == {"authorization_code", "password", "client_credentials",
                                                  "refresh_token"}
    assert body["code_challenge_methods_supported"] == ["S256"]
    assert body["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert "write:follows" in body["scopes_supported"]


async def test_client_credentials_token_is_app_only(node: Node, http: aiohttp.ClientSession) -> None:
    # Given an app
    app = await register_app(http, node)
    # When it asks for a client_credentials token
    status, body = await post_token(http, node, {"grant_type": "client_credentials", "client_id": app["client_id"],
                                                 "client_secret": app["client_secret"], "scope": "read"})
    # Then it gets a Token without a refresh token, which verifies the app but no user
    assert status == 200
    assert_matches("/oauth/token", "post", 200, body)
    assert body["token_type"] == "Bearer" and body["scope"] == "read" and isinstance(body["created_at"], int)
    assert "refresh_token" not in body
    async with http.get(node.url("/api/v1/apps/verify_credentials"), headers=bearer(body["access_token"])) as resp:
        verified = await resp.json()
    assert resp.status == 200 and verified["name"] == "Test Client" and "client_secret" not in verified
    assert_matches("/api/v1/apps/verify_credentials", "get", 200, verified)
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=bearer(body["access_token"])) as resp:
        assert resp.status == 422


async def test_password_grant_by_email_or_username_and_basic_auth(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a user and an app
    alice = await node.account("alice")
    app = await register_app(http, node)
    # When the password grant names the e-mail address (client_secret_post)
    by_email = await password_token(http, node, app, "alice@example.test")
    # And again the username with HTTP Basic client authentication (client_secret_basic)
    basic = base64.b64encode(f"{quote(app['client_id'])}:{quote(app['client_secret'])}".encode()).decode()
    status, by_name = await post_token(http, node, {"grant_type": "password", "username": "alice",
                                                    "password": "correct horse", "scope": "read"},
                                       headers={"Authorization": f"Basic {basic}"})
    # Then both are alice's tokens, with refresh tokens
    assert status == 200 and by_name["scope"] == "read"
    for token in (by_email, by_name):
        assert token["refresh_token"]
        async with http.get(node.url("/api/v1/accounts/verify_credentials"),
                            headers=bearer(token["access_token"])) as resp:
            assert (await resp.json())["id"] == str(alice.account.id)


async def test_token_errors_follow_rfc6749(node: Node, http: aiohttp.ClientSession) -> None:
    await node.account("alice")
    app = await register_app(http, node, scopes="read")
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    # A wrong password is invalid_grant
    status, body = await post_token(http, node, {**client, "grant_type": "password", "username": "alice",
                                                 "password": "wrong"})
    assert (status, body["error"]) == (400, "invalid_grant") and body["error_description"]
    # A wrong secret is invalid_client, 401
    status, body = await post_token(http, node, {"grant_type": "client_credentials",
                                                 "client_id": app["client_id"], "client_secret": "nope"})
    assert (status, body["error"]) == (401, "invalid_client")
    # An unknown grant type
    status, body = await post_token(http, node, {**client, "grant_type": "implicit"})
    assert (status, body["error"]) == (400, "unsupported_grant_type")
    # Scopes beyond the app's registration
    status, body = await post_token(http, node, {**client, "grant_type": "client_credentials", "scope": "write"})
    assert (status, body["error"]) == (400, "invalid_scope")
    # A missing parameter
    status, body = await post_token(http, node, {**client, "grant_type": "authorization_code"})
    assert (status, body["error"]) == (400, "invalid_request")


async def test_refresh_rotates_and_revoke_kills_token(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a user token with a refresh token
    await node.account("alice")
    app = await register_app(http, node)
    first = await password_token(http, node, app, "alice")
    client = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
    # When the client refreshes
    status, second = await post_token(http, node, {**client, "grant_type": "refresh_token",
                                                   "refresh_token": first["refresh_token"]})
    # Then it gets a new pair with the same scopes; the old token and refresh token are dead
    assert status == 200 and second["scope"] == first["scope"]
    assert second["refresh_token"] != first["refresh_token"]
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=bearer(first["access_token"])) as r:
        assert r.status == 401
    status, again = await post_token(http, node, {**client, "grant_type": "refresh_token",
                                                  "refresh_token": first["refresh_token"]})
    assert (status, again["error"]) == (400, "invalid_grant")
    # When the client revokes the new token
    async with http.post(node.url("/oauth/revoke"), data={**client, "token": second["access_token"]}) as resp:
        assert resp.status == 200 and await resp.json() == {}
    # Then it gets 401
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=bearer(second["access_token"])) as r:
        assert r.status == 401


async def test_revoke_refuses_another_apps_token(node: Node, http: aiohttp.ClientSession) -> None:
    await node.account("alice")
    mine, other = await register_app(http, node), await register_app(http, node)
    token = await password_token(http, node, mine, "alice")
    # When another app tries to revoke it
    async with http.post(node.url("/oauth/revoke"), data={
            "client_id": other["client_id"], "client_secret": other["client_secret"],
            "token": token["access_token"]}) as resp:
        body = await resp.json()
    # Then it may not, and the token still works
    assert (resp.status, body["error"]) == (403, "unauthorized_client")
    async with http.get(node.url("/api/v1/accounts/verify_credentials"), headers=bearer(token["access_token"])) as r:
        assert r.status == 200


async def test_scope_enforcement(node: Node, http: aiohttp.ClientSession) -> None:
    # Given bob, and tokens for alice with only read, and with only follow
    await node.account("alice")
    bob = await node.account("bob")
    app = await register_app(http, node)
    read_only = await password_token(http, node, app, "alice", scope="read")
    follow_only = await password_token(http, node, app, "alice", scope="follow")
    path = node.url(f"/api/v1/accounts/{bob.account.id}/follow")
    # When the read-only token follows, it is refused
    async with http.post(path, headers=bearer(read_only["access_token"])) as resp:
        assert resp.status == 403
    # And the legacy follow scope covers write:follows
    async with http.post(path, headers=bearer(follow_only["access_token"])) as resp:
        assert resp.status == 200 and (await resp.json())["following"] is True
    # But follow does not cover reading the profile
    async with http.get(node.url("/api/v1/accounts/verify_credentials"),
                        headers=bearer(follow_only["access_token"])) as resp:
        assert resp.status == 403


async def test_userinfo_needs_profile_scope(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    app = await register_app(http, node, scopes="profile read")
    profile = await password_token(http, node, app, "alice", scope="profile")
    read = await password_token(http, node, app, "alice", scope="read")
    async with http.get(node.url("/oauth/userinfo"), headers=bearer(profile["access_token"])) as resp:
        info = await resp.json()
    assert resp.status == 200 and info["sub"] == alice.account.uri and info["preferred_username"] == "alice"
    async with http.get(node.url("/oauth/userinfo"), headers=bearer(read["access_token"])) as resp:
        assert resp.status == 403
    # And profile alone is enough for verify_credentials, not for anything else
    async with http.get(node.url("/api/v1/accounts/verify_credentials"),
                        headers=bearer(profile["access_token"])) as resp:
        assert resp.status == 200
    async with http.get(node.url("/api/v1/follow_requests"), headers=bearer(profile["access_token"])) as resp:
        assert resp.status == 403
