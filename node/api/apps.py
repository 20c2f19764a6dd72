"""Client applications: `POST /api/v1/apps` and its verify_credentials.

Redirect URIs may be the out-of-band `urn:ietf:wg:oauth:2.0:oob`, a
custom scheme (`myapp://callback`, `com.example.app:/oauth`) or http(s);
several come as an array or separated by whitespace (Mastodon.py joins
them with newlines). As in Mastodon (Doorkeeper), `javascript:`, `data:`
and `vbscript:` URIs and fragments are refused, and unknown scopes too.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from node import routing
from node.api.oauth import OOB, granted_scopes
from node.auth import Auth, app_token
from node.errors import unauthorized, unprocessable
from node.keys import DB, IDS, WEB_PUSH
from node.params import Params, read_params
from node.scopes import ALL_SCOPES
from storage import oauth
from storage.oauth import AppRow

MAX_NAME = 60
MAX_WEBSITE = 2000
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript"})


def serialize_app(row: AppRow, vapid_key: str, *, credentials: bool = False) -> dict[str, Any]:
    """Application; with `credentials`, Mastodon's CredentialApplication."""
    uris = row.redirect_uris.split()
    body: dict[str, Any] = {
        "id": str(row.id),
        "name": row.name,
        "website": row.website,
        "scopes": row.scopes.split(),
        "redirect_uri": "\n".join(uris),
        "redirect_uris": uris,
        "vapid_key": vapid_key,  # the node's Web Push key (deprecated in 4.3 for the instance's)
    }
    if credentials:
        body.update(client_id=row.client_id, client_secret=row.client_secret, client_secret_expires_at=0)
    return body


def redirect_uri_problem(uri: str) -> str | None:
    """Doorkeeper's message for a redirect URI it would refuse, or None."""
    if uri == OOB:
        return None
    parts = urlsplit(uri)
    if not parts.scheme:
        return "must be an absolute URI."
    if parts.scheme.lower() in _FORBIDDEN_SCHEMES:
        return "is forbidden by the server."
    if parts.fragment or "#" in uri:
        return "cannot contain a fragment."
    if parts.scheme.lower() in ("http", "https") and not parts.hostname:
        return "must be an absolute URI."
    return None


def _redirect_uris(params: Params) -> list[str]:
    uris: list[str] = []
    for value in params.list("redirect_uris"):
        uris.extend(str(value).split())
    return list(dict.fromkeys(uris))


def _website(params: Params) -> str | None:
    website = (params.str("website") or "").strip() or None
    if website is None:
        return None
    parts = urlsplit(website)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(website) > MAX_WEBSITE:
        raise unprocessable("Validation failed: Website is invalid")
    return website


def _validated(params: Params) -> tuple[str, list[str], str, str | None]:
    name = (params.str("client_name") or "").strip()
    if not name:
        raise unprocessable("Validation failed: Application name can't be blank")
    if len(name) > MAX_NAME:
        raise unprocessable(f"Validation failed: Application name is too long (maximum is {MAX_NAME} characters)")
    uris = _redirect_uris(params)
    if not uris:
        raise unprocessable("Validation failed: Redirect URI can't be blank")
    for uri in uris:
        problem = redirect_uri_problem(uri)
        if problem:
            raise unprocessable(f"Validation failed: Redirect URI {problem}")
    raw_scopes = params.str("scopes")
    scopes = granted_scopes(raw_scopes, " ".join(ALL_SCOPES))
    if scopes is None:
        raise unprocessable("Validation failed: Scopes doesn't match configured on the server.")
    return name, uris, scopes, _website(params)


async def create_app(request: web.Request) -> web.Response:
    """POST /api/v1/apps: anyone may register a client."""
    name, uris, scopes, website = _validated(await read_params(request))
    row = await oauth.insert_app(request.app[DB], request.app[IDS].next_id(), name, website, "\n".join(uris),
                                 scopes, secrets.token_urlsafe(32), secrets.token_urlsafe(32))
    return web.json_response(serialize_app(row, request.app[WEB_PUSH].keys.public_key, credentials=True))


@app_token()
async def verify_app(request: web.Request, auth: Auth | None) -> web.Response:
    """GET /api/v1/apps/verify_credentials: the app behind any valid token."""
    row = await oauth.get_app(request.app[DB], auth.app_id) if auth and auth.app_id else None
    if row is None:
        raise unauthorized("The access token is invalid")
    return web.json_response(serialize_app(row, request.app[WEB_PUSH].keys.public_key))


def routes() -> list[web.RouteDef]:
    return [
        routing.post("/api/v1/apps", create_app),
        routing.get("/api/v1/apps/verify_credentials", verify_app),
    ]
