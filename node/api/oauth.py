"""OAuth 2: the token endpoint, revocation, discovery and userinfo.

RFC 6749 grants `authorization_code` (with RFC 7636 PKCE, S256 only, as
Mastodon), `password` (e-mail or username), `client_credentials` (a token
with no account) and `refresh_token` (refresh tokens come with user
tokens; using one rotates it). Clients authenticate with
`client_secret_post` or `client_secret_basic`. Errors are RFC 6749's JSON,
with Doorkeeper's descriptions, which is what Mastodon answers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote_plus

from aiohttp import web

from node import routing, scopes as scope_rules, sessions
from node.auth import Auth, authenticated
from node.entities.account import serialize_account
from node.i18n import N_
from node.keys import CONFIG, DB, IDS
from node.params import Params, read_params
from storage import instance_activity, oauth
from storage.clock import now_iso
from storage.oauth import AppRow

OOB = "urn:ietf:wg:oauth:2.0:oob"
GRANT_TYPES = ("authorization_code", "password", "client_credentials", "refresh_token")
DEFAULT_SCOPE = "read"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

DESCRIPTIONS = {
    "invalid_request": N_("The request is missing a required parameter, includes an unsupported parameter"
                       " value, or is otherwise malformed."),
    "invalid_client": N_("Client authentication failed due to unknown client, no client authentication"
                      " included, or unsupported authentication method."),
    "invalid_grant": N_("The provided authorization grant is invalid, expired, revoked, does not match the"
                     " redirection URI used in the authorization request, or was issued to another client."),
    "unsupported_grant_type": N_("The authorization grant type is not supported by the authorization server."),
    "invalid_scope": N_("The requested scope is invalid, unknown, or malformed."),
    "unauthorized_client": N_("You are not authorized to revoke this token"),
    "access_denied": N_("The resource owner or authorization server denied the request."),
    "unsupported_response_type": N_("The authorization server does not support this response type."),
    "invalid_redirect_uri": N_("The requested redirect uri is malformed or doesn't match client redirect URI."),
}


class OAuthError(Exception):
    """An RFC 6749 error: `error` code, description, HTTP status."""

    def __init__(self, error: str, description: str | None = None, status: int = 400,
                 retry_after: int = 0) -> None:
        super().__init__(error)
        self.error, self.status, self.retry_after = error, status, retry_after
        self.description = description or DESCRIPTIONS.get(error, error)


def error_response(exc: OAuthError) -> web.Response:
    headers = dict(NO_STORE)
    if exc.retry_after:
        headers["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        headers["WWW-Authenticate"] = (f'Bearer realm="Doorkeeper", error="{exc.error}",'
                                       f' error_description="{exc.description}"')
    return web.json_response({"error": exc.error, "error_description": exc.description},
                             status=exc.status, headers=headers)


def scope_words(text: str | None) -> list[str]:
    """Scopes as written, in order, without repeats ("read write", "read+write")."""
    return list(dict.fromkeys((text or "").replace("+", " ").replace(",", " ").split()))


def granted_scopes(text: str | None, allowed: str, default: str = DEFAULT_SCOPE) -> str | None:
    """The scopes asked for (or `default`), normalised, if `allowed` covers
    each of them; None if one is unknown or not allowed."""
    words = scope_words(text) or scope_words(default)
    permitted = frozenset(scope_words(allowed))
    if scope_rules.unknown_scopes(frozenset(words)):
        return None
    if not all(scope_rules.allows(permitted, w) for w in words):
        return None
    return " ".join(words)


def _basic_credentials(request: web.Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_client", status=401) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", status=401)
    return unquote_plus(client_id), unquote_plus(secret)


async def authenticate_client(request: web.Request, params: Params) -> AppRow:
    """client_secret_basic, else client_secret_post; 401 invalid_client otherwise."""
    pair = _basic_credentials(request) or (params.str("client_id") or "", params.str("client_secret") or "")
    client_id, secret = pair
    app = await oauth.find_app(request.app[DB], client_id) if client_id else None
    if app is None or not secret or not hmac.compare_digest(app.client_secret.encode(), secret.encode()):
        raise OAuthError("invalid_client", status=401)
    return app


def token_body(token: str, scopes: str, refresh: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"access_token": token, "token_type": "Bearer", "scope": scopes,
                            "created_at": int(time.time())}
    if refresh:
        body["refresh_token"] = refresh
    return body


async def issue_token(app: web.Application, app_id: int | None, account_id: int | None, scopes: str,
                      *, refresh: bool) -> dict[str, Any]:
    """Store a new token (and refresh token) and return the Token entity."""
    token = secrets.token_urlsafe(32)
    refresh_value = secrets.token_urlsafe(32) if refresh else None
    await oauth.insert_token(app[DB], app[IDS].next_id(), token, refresh_value, app_id, account_id, scopes)
    if account_id is not None:  # a sign-in, for the instance's weekly logins
        await instance_activity.record_login(app[DB], account_id)
    return token_body(token, scopes, refresh_value)


def _required(params: Params, name: str) -> str:
    value = params.str(name)
    if not value:
        raise OAuthError("invalid_request", f"Missing required parameter: {name}.")
    return value


def pkce_matches(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)


async def _authorization_code(request: web.Request, params: Params, app: AppRow) -> dict[str, Any]:
    code, redirect_uri = _required(params, "code"), _required(params, "redirect_uri")
    row = await oauth.take_code(request.app[DB], code)
    if row is None or row.app_id != app.id or row.expires_at <= now_iso() or row.redirect_uri != redirect_uri:
        raise OAuthError("invalid_grant")
    if row.code_challenge:
        verifier = params.str("code_verifier") or ""
        if not verifier or not pkce_matches(verifier, row.code_challenge):
            raise OAuthError("invalid_grant")
    return await issue_token(request.app, app.id, row.account_id, row.scopes, refresh=True)


async def _password(request: web.Request, params: Params, app: AppRow) -> dict[str, Any]:
    login, password = _required(params, "username"), _required(params, "password")
    scopes = granted_scopes(params.str("scope"), app.scopes)
    if scopes is None:
        raise OAuthError("invalid_scope")
    check = await sessions.check_login(request, login, password, params.str("otp_attempt") or "",
                                       app_client=True)
    if check.retry_after:
        raise OAuthError("throttled", check.error, status=429, retry_after=check.retry_after)
    if check.account is None:
        raise OAuthError("invalid_grant", None if check.error == sessions.INVALID_LOGIN else check.error)
    return await issue_token(request.app, app.id, check.account.id, scopes, refresh=True)


async def _client_credentials(request: web.Request, params: Params, app: AppRow) -> dict[str, Any]:
    scopes = granted_scopes(params.str("scope"), app.scopes)
    if scopes is None:
        raise OAuthError("invalid_scope")
    return await issue_token(request.app, app.id, None, scopes, refresh=False)


async def _refresh_token(request: web.Request, params: Params, app: AppRow) -> dict[str, Any]:
    db = request.app[DB]
    row = await oauth.find_refresh(db, _required(params, "refresh_token"))
    if row is None or row.app_id != app.id:
        raise OAuthError("invalid_grant")
    scopes = granted_scopes(params.str("scope"), row.scopes, default=row.scopes)
    if scopes is None:
        raise OAuthError("invalid_scope")
    token, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    if not await oauth.rotate_token(db, row.id, request.app[IDS].next_id(), token, refresh, scopes):
        raise OAuthError("invalid_grant")
    return token_body(token, scopes, refresh)


Grant = Callable[[web.Request, Params, AppRow], Awaitable[dict[str, Any]]]
_GRANTS: dict[str, Grant] = {
    "authorization_code": _authorization_code, "password": _password,
    "client_credentials": _client_credentials, "refresh_token": _refresh_token,
}


async def token(request: web.Request) -> web.Response:
    """POST /oauth/token"""
    params = await read_params(request)
    try:
        grant = _required(params, "grant_type")
        handler = _GRANTS.get(grant)
        if handler is None:
            raise OAuthError("unsupported_grant_type")
        app = await authenticate_client(request, params)
        body = await handler(request, params, app)
    except OAuthError as exc:
        return error_response(exc)
    return web.json_response(body, headers=NO_STORE)


async def revoke(request: web.Request) -> web.Response:
    """POST /oauth/revoke (RFC 7009): an unknown token is not an error."""
    params = await read_params(request)
    try:
        app = await authenticate_client(request, params)
        value = params.str("token")
        row = await oauth.find_any_token(request.app[DB], value) if value else None
        if row is not None and row.app_id != app.id:
            raise OAuthError("unauthorized_client", status=403)
    except OAuthError as exc:
        return error_response(exc)
    if row is not None:
        await oauth.revoke_token(request.app[DB], row.id)
    return web.json_response({})


async def server_metadata(request: web.Request) -> web.Response:
    """GET /.well-known/oauth-authorization-server (RFC 8414, Mastodon 4.3's fields)."""
    base = request.app[CONFIG].node.base_url.rstrip("/")
    return web.json_response({
        "issuer": f"{base}/",
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "userinfo_endpoint": f"{base}/oauth/userinfo",
        "app_registration_endpoint": f"{base}/api/v1/apps",
        "scopes_supported": [*scope_rules.TOP_LEVEL, *sorted(s for s in scope_rules.ALL_SCOPES
                                                               if s not in scope_rules.TOP_LEVEL)],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": list(GRANT_TYPES),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
    })


@authenticated("profile")
async def userinfo(request: web.Request, auth: Auth) -> web.Response:
    """GET /oauth/userinfo: who the token's user is (OpenID Connect claims)."""
    config = request.app[CONFIG]
    assert auth.account is not None
    account = serialize_account(auth.account, config)
    return web.json_response({
        "iss": f"{config.node.base_url.rstrip('/')}/", "sub": auth.account.uri,
        "name": auth.account.display_name, "preferred_username": auth.account.username,
        "profile": account["url"], "picture": account["avatar"],
    })


def routes() -> list[web.RouteDef]:
    return [
        routing.post("/oauth/token", token),
        routing.post("/oauth/revoke", revoke),
        routing.get("/oauth/userinfo", userinfo),
        routing.post("/oauth/userinfo", userinfo),
        routing.get("/.well-known/oauth-authorization-server", server_metadata),
    ]
