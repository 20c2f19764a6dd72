"""Bearer-token authentication and scope checks for the client API.

A handler declares what it needs with `@authenticated(scope)` (a signed-in
user) or `@optional_auth(scope)` (public data that a token may enrich);
the wrapped handler receives an `Auth` beside the request.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from node import scopes as scope_rules
from node.errors import forbidden, json_error, unauthorized
from node.keys import DB
from storage import oauth
from storage.database import Database
from storage.accounts import AccountRow, UserRow

AUTH = web.RequestKey("auth", object)


@dataclass(frozen=True, slots=True)
class Auth:
    token_id: int
    app_id: int | None
    scopes: frozenset[str]
    account: AccountRow | None
    user: UserRow | None

    @property
    def account_id(self) -> int:
        assert self.account is not None
        return self.account.id

    @property
    def is_admin(self) -> bool:
        return self.user is not None and self.user.role == "admin"

    @property
    def is_staff(self) -> bool:
        return self.user is not None and self.user.role in ("admin", "moderator")


AuthHandler = Callable[[web.Request, Auth], Awaitable[web.StreamResponse]]
OptHandler = Callable[[web.Request, Auth | None], Awaitable[web.StreamResponse]]


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.query.get("access_token") or None


async def load_auth(request: web.Request) -> Auth | None:
    """The token's Auth, None without a token; 401 for a bad token."""
    token = bearer_token(request)
    if token is None:
        return None
    return await auth_for_token(request.app[DB], token)


async def auth_for_token(db: Database, token: str, *, unconfirmed_ok: bool = False) -> Auth:
    """The Auth a token carries; 401 for a bad token, 403 for a disabled login
    (or one whose sign-up address awaits confirmation, unless `unconfirmed_ok`:
    resending the confirmation)."""
    found = await oauth.find_token_holder(db, token)
    if found is None:
        raise unauthorized("The access token is invalid")
    row, account, user = found
    if row.account_id is not None:
        if account is None or user is None:
            raise unauthorized("The access token is invalid")
        if user.disabled or account.suspended_at:
            raise forbidden("Your login is currently disabled")
        if not user.approved or (user.unconfirmed and not unconfirmed_ok):
            raise forbidden("Your login is missing a confirmed e-mail address or is pending approval")
    return Auth(row.id, row.app_id, scope_rules.parse_scopes(row.scopes), account, user)


def _check_scope(auth: Auth, needed: tuple[str, ...]) -> None:
    if needed and not scope_rules.allows_any(auth.scopes, needed):
        raise forbidden("This action is outside the authorized scopes")


def authenticated(*needed: str, staff: bool = False) -> Callable[[AuthHandler], Callable]:
    """Require a user token holding one of `needed` scopes."""

    def wrap(handler: AuthHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def inner(request: web.Request) -> web.StreamResponse:
            auth = await load_auth(request)
            if auth is None:
                raise unauthorized("The access token is invalid")
            if auth.account is None:
                raise json_error(422, "This method requires an authenticated user")
            _check_scope(auth, needed)
            if staff and not auth.is_staff:
                raise forbidden("This action is not allowed")
            request[AUTH] = auth
            return await handler(request, auth)

        return inner

    return wrap


def optional_auth(*needed: str) -> Callable[[OptHandler], Callable]:
    """Anyone may call; a token, if sent, must be valid and scoped."""

    def wrap(handler: OptHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def inner(request: web.Request) -> web.StreamResponse:
            auth = await load_auth(request)
            if auth is not None:
                _check_scope(auth, needed)
                request[AUTH] = auth
            return await handler(request, auth)

        return inner

    return wrap


def app_token(*needed: str) -> Callable[[OptHandler], Callable]:
    """Any valid token, user or client credentials (apps/verify_credentials)."""

    def wrap(handler: OptHandler) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        @functools.wraps(handler)
        async def inner(request: web.Request) -> web.StreamResponse:
            auth = await load_auth(request)
            if auth is None:
                raise unauthorized("The access token is invalid")
            _check_scope(auth, needed)
            return await handler(request, auth)

        return inner

    return wrap
