"""Admin API of the permit registry, in the shape of Mastodon's domain_allows.

Mastodon's DomainAllow entity `{id, domain, created_at}` carries the
permit's fields beside it: number, kind, holder, status, valid_until,
source, note. Staff may read; only admins change the registry, which is
also how `suspend`, `revoke` and `activate` (extensions) are reached.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import routing
from node.audit_log import audit_permit
from node.auth import Auth, authenticated
from node.errors import forbidden, not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.params import Params, read_params
from policy import permits
from policy.permit_effects import apply_permit_change
from policy.permits import PermitError, PermitNotFoundError
from storage import permits as store
from storage.accounts import AccountRow

READ = "admin:read:domain_allows"
WRITE = "admin:write:domain_allows"
BASE = "/api/v1/admin/domain_allows"
DEFAULT_LIMIT, MAX_LIMIT = 100, 200


def serialize_permit(row: store.PermitRow) -> dict[str, Any]:
    return {"id": str(row.id), "domain": row.host, "created_at": row.created_at,
            "number": row.number, "kind": row.kind, "holder": row.holder, "status": row.status,
            "valid_until": row.valid_until, "source": row.source, "note": row.note}


def _require_admin(auth: Auth) -> None:
    if not auth.is_admin:
        raise forbidden("This action is not allowed")


async def _permit_row(request: web.Request) -> store.PermitRow:
    try:
        permit_id = int(request.match_info["id"])
    except ValueError:
        raise not_found() from None
    row = await store.get_permit_by_id(request.app[DB], permit_id)
    if row is None:
        raise not_found()
    return row


@authenticated(READ, staff=True)
async def list_permits(request: web.Request, auth: Auth) -> web.Response:
    params = await read_params(request)
    limit = min(max(params.int("limit", DEFAULT_LIMIT) or DEFAULT_LIMIT, 1), MAX_LIMIT)
    rows = await store.page_permits(request.app[DB], limit, params.int("max_id"))
    response = web.json_response([serialize_permit(r) for r in rows])
    if len(rows) == limit:
        base = request.app[CONFIG].node.base_url
        response.headers["Link"] = f'<{base}{BASE}?limit={limit}&max_id={rows[-1].id}>; rel="next"'
    return response


@authenticated(READ, staff=True)
async def show_permit(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response(serialize_permit(await _permit_row(request)))


async def save_permit(app: web.Application, actor: AccountRow, params: Params) -> store.PermitRow:
    """Add a permit, or replace the details of the domain's (status kept)."""
    try:
        entry = permits.validate_entry(
            params.str("domain") or "", params.str("number") or "", params.str("kind") or None,
            params.str("valid_until") or None, holder=params.str("holder") or "",
            source="admin-api", note=params.str("note") or "")
    except PermitError as exc:
        field = "domain" if exc.field == "host" else exc.field
        raise unprocessable(f"Validation failed: {field} {exc.message}") from None
    change = await permits.add_permit(app[DB], app[IDS], entry)
    await audit_permit(app, actor, change)
    await apply_permit_change(app[DB], change)  # re-added after removal: ties restored
    row = await store.get_permit(app[DB], change.host)
    assert row is not None
    return row


async def _row_by_id(app: web.Application, permit_id: int) -> store.PermitRow:
    row = await store.get_permit_by_id(app[DB], permit_id)
    if row is None:
        raise not_found()
    return row


async def remove_permit(app: web.Application, actor: AccountRow, permit_id: int) -> None:
    row = await _row_by_id(app, permit_id)
    try:
        change = await permits.remove_permit(app[DB], row.host)
    except PermitNotFoundError:
        raise not_found() from None
    await audit_permit(app, actor, change)
    await apply_permit_change(app[DB], change)  # deliveries dropped, follows frozen


async def set_permit_status(app: web.Application, actor: AccountRow, permit_id: int, status: str,
                            note: str | None) -> store.PermitRow:
    """suspended, revoked or active; the peer's ties follow (`apply_permit_change`)."""
    row = await _row_by_id(app, permit_id)
    try:
        change = await permits.change_status(app[DB], row.host, status, note=note, source="admin-api")
    except PermitNotFoundError:
        raise not_found() from None
    await audit_permit(app, actor, change)
    await apply_permit_change(app[DB], change)  # restrict on suspend/revoke, restore on activate
    updated = await store.get_permit(app[DB], change.host)
    assert updated is not None
    return updated


@authenticated(WRITE, staff=True)
async def create_permit(request: web.Request, auth: Auth) -> web.Response:
    _require_admin(auth)
    assert auth.account is not None
    row = await save_permit(request.app, auth.account, await read_params(request))
    return web.json_response(serialize_permit(row))


@authenticated(WRITE, staff=True)
async def delete_permit(request: web.Request, auth: Auth) -> web.Response:
    _require_admin(auth)
    assert auth.account is not None
    await remove_permit(request.app, auth.account, (await _permit_row(request)).id)
    return web.json_response({})


STATUS_VERBS = {"suspend": "suspended", "revoke": "revoked", "activate": "active"}


def _status_handler(status: str) -> routing.Handler:
    @authenticated(WRITE, staff=True)
    async def set_status(request: web.Request, auth: Auth) -> web.Response:
        _require_admin(auth)
        assert auth.account is not None
        row = await _permit_row(request)
        params = await read_params(request)
        updated = await set_permit_status(request.app, auth.account, row.id, status, params.str("note"))
        return web.json_response(serialize_permit(updated))

    return set_status


def routes() -> list[web.RouteDef]:
    return [
        routing.get(BASE, list_permits),
        routing.post(BASE, create_permit),
        routing.get(f"{BASE}/{{id}}", show_permit),
        routing.delete(f"{BASE}/{{id}}", delete_permit),
        *[routing.post(f"{BASE}/{{id}}/{verb}", _status_handler(status))
          for verb, status in STATUS_VERBS.items()],
    ]
