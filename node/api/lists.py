"""Lists: /api/v1/lists CRUD and the accounts in a list.

As Mastodon: at most 50 lists per account; a member must be an account
the owner follows or asked to follow (or the owner); adding one twice is a
422; `limit=0` on the members page returns every member.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import routing
from node.api.path_ids import id_param, path_id
from node.auth import Auth, authenticated
from node.entities.account import serialize_account
from node.errors import not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.pagination import paginate
from node.params import Params, read_params
from storage import accounts, lists
from storage.lists import REPLIES_POLICIES, ListRow

READ = ("read", "read:lists")
WRITE = ("write", "write:lists")
MAX_LISTS = 50
DEFAULT_MEMBERS, MAX_MEMBERS = 40, 80


def serialize_list(row: ListRow) -> dict[str, Any]:
    return {"id": str(row.id), "title": row.title, "replies_policy": row.replies_policy,
            "exclusive": bool(row.exclusive)}


def _fields(params: Params, row: ListRow | None) -> tuple[str, str, bool]:
    title = (params.str("title", row.title if row else None) or "").strip()
    if not title:
        raise unprocessable("Validation failed: Title can't be blank")
    policy = params.str("replies_policy", row.replies_policy if row else "list") or "list"
    if policy not in REPLIES_POLICIES:
        raise unprocessable(f"'{policy}' is not a valid replies_policy")
    exclusive = params.bool("exclusive", bool(row.exclusive) if row else False)
    return title, policy, bool(exclusive)


async def _owned(request: web.Request, auth: Auth) -> ListRow:
    row = await lists.get_list(request.app[DB], auth.account_id, path_id(request))
    if row is None:
        raise not_found()
    return row


@authenticated(*READ)
async def index(request: web.Request, auth: Auth) -> web.Response:
    rows = await lists.owned_lists(request.app[DB], auth.account_id)
    return web.json_response([serialize_list(r) for r in rows])


@authenticated(*READ)
async def show(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response(serialize_list(await _owned(request, auth)))


@authenticated(*WRITE)
async def create(request: web.Request, auth: Auth) -> web.Response:
    title, policy, exclusive = _fields(await read_params(request), None)
    db = request.app[DB]
    if len(await lists.owned_lists(db, auth.account_id)) >= MAX_LISTS:
        raise unprocessable("Validation failed: You have reached the maximum number of lists")
    row = await lists.create_list(db, request.app[IDS].next_id(), auth.account_id, title, policy, exclusive)
    return web.json_response(serialize_list(row))


@authenticated(*WRITE)
async def update(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth)
    title, policy, exclusive = _fields(await read_params(request), row)
    return web.json_response(serialize_list(await lists.update_list(request.app[DB], row, title, policy, exclusive)))


@authenticated(*WRITE)
async def destroy(request: web.Request, auth: Auth) -> web.Response:
    await lists.delete_list(request.app[DB], await _owned(request, auth))
    return web.json_response({})


def _member_limit(request: web.Request) -> int | None:
    """None for `limit=0` (every member), else Mastodon's clamped limit."""
    raw = request.query.get("limit", "").strip()
    try:
        value = abs(int(raw)) if raw else DEFAULT_MEMBERS
    except ValueError:
        value = DEFAULT_MEMBERS
    return None if value == 0 else min(value, MAX_MEMBERS)


@authenticated(*READ)
async def members(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth)
    limit = _member_limit(request)
    db = request.app[DB]
    max_id, since_id = (id_param(request.query.get(k)) for k in ("max_id", "since_id"))
    ids = await lists.member_ids(db, row.id, max_id if limit else None, since_id if limit else None, limit)
    found = await accounts.get_accounts(db, ids)
    config = request.app[CONFIG]
    body = [serialize_account(found[i], config) for i in ids if i in found and not found[i].suspended_at]
    return web.json_response(body, headers=paginate(request, ids) if limit else {})


async def _account_ids(request: web.Request) -> list[int]:
    params = await read_params(request)
    raw = [id_param(v) for v in params.list("account_ids")]
    ids = list(dict.fromkeys(i for i in raw if i is not None))
    if len(ids) != len(raw) or not ids:
        raise not_found()
    if len(await accounts.get_accounts(request.app[DB], ids)) != len(ids):
        raise not_found()
    return ids


@authenticated(*WRITE)
async def add_members(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth)
    ids = await _account_ids(request)
    db = request.app[DB]
    if [i for i in await lists.not_followed(db, auth.account_id, ids) if i != auth.account_id]:
        raise unprocessable("Validation failed: Account must be an account you follow")
    if await lists.already_members(db, row.id, ids):
        raise unprocessable("Validation failed: Account has already been taken")
    await lists.add_members(db, row.id, ids)
    return web.json_response({})


@authenticated(*WRITE)
async def remove_members(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth)
    params = await read_params(request)
    ids = [i for i in (id_param(v) for v in params.list("account_ids")) if i is not None]
    await lists.remove_members(request.app[DB], row.id, ids)
    return web.json_response({})


@authenticated(*READ)
async def lists_of_account(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/accounts/:id/lists: the viewer's lists holding that account."""
    rows = await lists.lists_with_member(request.app[DB], auth.account_id, path_id(request))
    return web.json_response([serialize_list(r) for r in rows])


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/lists", index),
        routing.post("/api/v1/lists", create),
        routing.get("/api/v1/lists/{id}", show),
        routing.put("/api/v1/lists/{id}", update),
        routing.delete("/api/v1/lists/{id}", destroy),
        routing.get("/api/v1/lists/{id}/accounts", members),
        routing.post("/api/v1/lists/{id}/accounts", add_members),
        routing.delete("/api/v1/lists/{id}/accounts", remove_members),
        routing.get("/api/v1/accounts/{id}/lists", lists_of_account),
    ]
