"""Accounts: sign-up, lookup, search, and showing one or several.

Sign-up (`POST /api/v1/accounts`) takes an app token from
client_credentials and answers with a user token, as Mastodon. It honours
`[registrations] mode`: closed -> 403; approval -> the account is created
awaiting approval, its token refused (403) until a moderator approves.
Errors are Mastodon's 422 with `details` per field.

Local sign-ups still awaiting approval are not shown to anyone (404), as
Mastodon hides pending accounts.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import routing
from node.api.oauth import issue_token
from node.api.path_ids import id_param, path_id
from node.auth import Auth, app_token, authenticated, optional_auth
from node.email_confirmation import start_sign_up
from node.entities.account import moved_accounts, serialize_account, serialize_accounts
from node.errors import forbidden, not_found, unprocessable
from node.keys import CONFIG, DB, IDENTITY, IDS
from node.pagination import read_limit
from node.params import Params, read_params
from node.registration import RegistrationError, SignUp, create_local_account, validate_sign_up
from policy.identity import AttestationError
from policy.identity.enrolment import enrol, precheck
from storage import accounts, notifications, oauth, search
from storage.clock import now
from storage.accounts import AccountRow

MAX_IDS = 40
_LABELS = {"username": "Username", "email": "Email", "password": "Password", "agreement": "Agreement",
           "reason": "Reason", "locale": "Locale"}


def validation_failed(details: dict[str, list[dict[str, str]]]) -> web.HTTPException:
    """Mastodon's ValidationErrorFormatter: a summary and the errors per field."""
    parts = [f"{_LABELS.get(field, field.replace('_', ' ').capitalize())} {e['description']}"
             for field, errors in details.items() for e in errors]
    return unprocessable("Validation failed: " + ", ".join(parts), details=details)


def _detail(details: dict[str, list[dict[str, str]]], field: str, error: str, description: str) -> None:
    details.setdefault(field, []).append({"error": error, "description": description})


def _sign_up_form(params: Params, mode: str) -> tuple[SignUp, dict[str, list[dict[str, str]]]]:
    form = SignUp(username=(params.str("username") or "").strip(), email=(params.str("email") or "").strip(),
                  password=params.str("password") or "", approved=mode != "approval",
                  locale=(params.str("locale") or "en").strip()[:16] or "en",
                  reason=(params.str("reason") or "").strip())
    details: dict[str, list[dict[str, str]]] = {}
    for field in ("username", "email", "password"):
        if not getattr(form, field):
            _detail(details, field, "ERR_BLANK", "can't be blank")
    if not params.bool("agreement", False):
        _detail(details, "agreement", "ERR_ACCEPTED", "must be accepted")
    if mode == "approval" and not form.reason:
        _detail(details, "reason", "ERR_BLANK", "can't be blank")
    return form, details


@app_token("write", "write:accounts")
async def sign_up(request: web.Request, auth: Auth | None) -> web.Response:
    """POST /api/v1/accounts"""
    assert auth is not None
    if auth.account is not None:
        raise forbidden("This method requires an client credentials authentication")
    config, db = request.app[CONFIG], request.app[DB]
    if config.registrations.mode == "closed":
        raise forbidden()
    params = await read_params(request)
    form, details = _sign_up_form(params, config.registrations.mode)
    attestation = (params.str("identity_attestation") or "").strip()
    account = None
    try:
        if not any(f in details for f in ("username", "email", "password")):
            await validate_sign_up(db, config, form)
        if attestation:
            await precheck(db, request.app[IDENTITY], attestation, now=now())
        if not details:
            account = await create_local_account(db, request.app[IDS], config, form)
            if config.registrations.confirm_email:  # issue #16: no sign-in until the address is confirmed
                await start_sign_up(request.app, account)
            async with db.write() as w:  # as Mastodon: staff hear of each sign-up
                await notifications.notify_staff(w, request.app[IDS], account.id, "admin.sign_up")
            if attestation:
                await _enrol_new(request, account.id, attestation)
    except RegistrationError as exc:
        _detail(details, exc.field, exc.error, exc.description)
    except AttestationError as exc:
        _detail(details, "identity_attestation", f"ERR_{exc.code.upper()}", exc.message)
    if account is None or details:
        raise validation_failed(details)
    app = await oauth.get_app(db, auth.app_id) if auth.app_id else None
    scopes = app.scopes if app is not None else " ".join(sorted(auth.scopes))
    return web.json_response(await issue_token(request.app, auth.app_id, account.id, scopes, refresh=True))


async def _enrol_new(request: web.Request, account_id: int, attestation: str) -> None:
    """Article 9 at sign-up; a race lost after the precheck undoes the account."""
    try:
        await enrol(request.app[DB], request.app[IDENTITY], account_id, attestation, now=now())
    except AttestationError:
        await accounts.delete_account(request.app[DB], account_id)
        raise


async def listed_or_404(request: web.Request, account_id: int | None = None) -> AccountRow:
    account = await accounts.get_listed_account(request.app[DB], path_id(request) if account_id is None
                                                else account_id)
    if account is None:
        raise not_found()
    return account


@optional_auth("read", "read:accounts")
async def show(request: web.Request, auth: Auth | None) -> web.Response:
    """GET /api/v1/accounts/:id"""
    return await _account_response(request, await listed_or_404(request))


@optional_auth("read", "read:accounts")
async def index(request: web.Request, auth: Auth | None) -> web.Response:
    """GET /api/v1/accounts?id[]=: several at once, unknown ids left out."""
    ids = [i for i in (id_param(v) for v in (await read_params(request)).list("id")) if i is not None]
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_IDS:
        raise unprocessable(f"Validation failed: too many ids (maximum is {MAX_IDS})")
    rows = await accounts.get_listed_accounts(request.app[DB], ids)
    found = [rows[i] for i in ids if i in rows]
    moved = await moved_accounts(request.app[DB], found)
    return web.json_response(serialize_accounts(found, request.app[CONFIG], moved))


async def _by_handle(request: web.Request, handle: str) -> AccountRow | None:
    username, _, domain = handle.strip().removeprefix("@").partition("@")
    if not username:
        return None
    local = not domain or domain.lower() == request.app[CONFIG].node.domain.lower()
    found = await accounts.find_account_by_acct(request.app[DB], username, None if local else domain)
    if found is None:
        return None
    return await accounts.get_listed_account(request.app[DB], found.id)


@optional_auth("read", "read:accounts")
async def lookup(request: web.Request, auth: Auth | None) -> web.Response:
    """GET /api/v1/accounts/lookup?acct=user or user@domain (no WebFinger)."""
    account = await _by_handle(request, request.query.get("acct", ""))
    if account is None:
        raise not_found()
    return await _account_response(request, account)


async def _account_response(request: web.Request, account: AccountRow) -> web.Response:
    """One Account entity, with `moved` when it moved."""
    moved = await moved_accounts(request.app[DB], [account])
    return web.json_response(serialize_account(account, request.app[CONFIG], moved.get(account.id)))


async def _search_ids(request: web.Request, params: Params, viewer: int) -> list[int]:
    q = (params.str("q") or "").strip()
    following = bool(params.bool("following", False))
    if not q:
        return []
    if "@" in q.removeprefix("@"):
        found = await _by_handle(request, q)
        return await search.visible_account_ids(request.app[DB], [found.id] if found else [], viewer, following)
    offset = max(0, params.int("offset", 0) or 0)
    query = search.AccountQuery(q.removeprefix("@"), viewer, following, read_limit(request, 40, 80), offset)
    return await search.search_account_ids(request.app[DB], query)


@authenticated("read", "read:accounts")
async def search_accounts(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/accounts/search?q=: local accounts by username or display name
    prefix; `resolve` waits for federation (nothing remote is fetched here)."""
    ids = await _search_ids(request, await read_params(request), auth.account_id)
    rows = await accounts.get_listed_accounts(request.app[DB], ids)
    found = [rows[i] for i in ids if i in rows]
    moved = await moved_accounts(request.app[DB], found)
    body: list[dict[str, Any]] = serialize_accounts(found, request.app[CONFIG], moved)
    return web.json_response(body)


def routes() -> list[web.RouteDef]:
    # `{id:\d+}` so that fixed paths (verify_credentials, relationships...)
    # in other modules match whatever the registration order.
    return [
        routing.post("/api/v1/accounts", sign_up),
        routing.get("/api/v1/accounts", index),
        routing.get("/api/v1/accounts/lookup", lookup),
        routing.get("/api/v1/accounts/search", search_accounts),
        routing.get(r"/api/v1/accounts/{id:\d+}", show),
    ]
