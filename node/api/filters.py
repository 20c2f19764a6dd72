"""Filters v2: /api/v2/filters with its keywords and statuses sub-resources.

Mastodon's shapes: create answers 200 with the whole filter; keywords come
as `keywords_attributes[]` (JSON list, `[][keyword]` form keys, or indexed
`[0][keyword]`), with `id` to edit and `_destroy` to remove; `expires_in`
is seconds from now, empty for never.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from node import routing
from node.api.path_ids import path_id
from node.auth import Auth, authenticated
from node.entities.filter import serialize_filter, serialize_filter_status, serialize_keyword
from node.errors import not_found, unprocessable
from node.keys import DB, IDS
from node.params import Params, read_params
from storage import filters
from storage.clock import iso, now
from storage.filters import ACTIONS, CONTEXTS, FilterFields, FilterRow, KeywordChange

READ = ("read", "read:filters")
MAX_EXPIRES_IN = 10 ** 10  # seconds, some 300 years: any later date is "never", and overflows a datetime
WRITE = ("write", "write:filters")


def expires_at(params: Params, current: str | None) -> str | None:
    """`expires_in` seconds from now; absent keeps `current`, empty clears."""
    if "expires_in" not in params:
        return current
    seconds = params.int("expires_in", maximum=MAX_EXPIRES_IN)
    if seconds is None:
        return None
    if seconds <= 0:
        raise unprocessable("Validation failed: Expires in must be greater than 0")
    return iso(now() + dt.timedelta(seconds=seconds))


def read_contexts(params: Params, current: list[str] | None) -> tuple[str, ...]:
    values = params.list("context")
    if not values and current is not None and "context" not in params and "context[]" not in params:
        return tuple(current)
    contexts = tuple(dict.fromkeys(str(v) for v in values))
    if not contexts:
        raise unprocessable("Validation failed: Context can't be blank")
    if any(c not in CONTEXTS for c in contexts):
        raise unprocessable("Validation failed: Context None or invalid context supplied")
    return contexts


def _fields(params: Params, row: FilterRow | None) -> FilterFields:
    title = (params.str("title", row.title if row else None) or "").strip()
    if not title:
        raise unprocessable("Validation failed: Title can't be blank")
    action = params.str("filter_action", row.filter_action if row else "warn") or "warn"
    if action not in ACTIONS:
        raise unprocessable(f"'{action}' is not a valid filter_action")
    return FilterFields(title, read_contexts(params, row.contexts if row else None), action,
                        expires_at(params, row.expires_at if row else None))


def _attribute_dicts(params: Params) -> list[dict[str, Any]]:
    raw = params.raw("keywords_attributes")
    if isinstance(raw, list):
        return [d for d in raw if isinstance(d, dict)]
    if isinstance(raw, dict):  # {"0": {...}, "1": {...}}
        return [v for _, v in sorted(raw.items()) if isinstance(v, dict)]
    indexed: dict[str, dict[str, Any]] = {}
    for key, value in params.items_with_prefix("keywords_attributes[").items():
        index, _, rest = key.removeprefix("keywords_attributes[").partition("][")
        if index and rest.endswith("]"):
            indexed.setdefault(index, {})[rest[:-1]] = value
    if indexed:
        return [indexed[k] for k in sorted(indexed, key=lambda k: (len(k), k))]
    columns = {f: params.list(f"keywords_attributes[][{f}]") for f in ("id", "keyword", "whole_word", "_destroy")}
    count = max(len(v) for v in columns.values())
    return [{f: v[i] for f, v in columns.items() if i < len(v)} for i in range(count)]


def keyword_changes(params: Params) -> list[KeywordChange]:
    changes = []
    for item in _attribute_dicts(params):
        one = Params({k: [v] for k, v in item.items()})
        kid = one.int("id")
        keyword = one.str("keyword")
        if kid is None and not one.bool("_destroy", False) and not (keyword or "").strip():
            raise unprocessable("Validation failed: Keywords keyword can't be blank")
        changes.append(KeywordChange(kid, keyword.strip() if keyword else None, one.bool("whole_word"),
                                     bool(one.bool("_destroy", False))))
    return changes


async def _owned(request: web.Request, auth: Auth, name: str = "id") -> FilterRow:
    row = await filters.get_filter(request.app[DB], auth.account_id, path_id(request, name))
    if row is None:
        raise not_found()
    return row


async def _full(request: web.Request, rows: list[FilterRow]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    keywords = await filters.keywords_of(request.app[DB], ids)
    statuses = await filters.statuses_of(request.app[DB], ids)
    return [serialize_filter(r, keywords[r.id], statuses[r.id]) for r in rows]


@authenticated(*READ)
async def list_filters(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response(await _full(request, await filters.list_filters(request.app[DB], auth.account_id)))


@authenticated(*READ)
async def show_filter(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response((await _full(request, [await _owned(request, auth)]))[0])


@authenticated(*WRITE)
async def create_filter(request: web.Request, auth: Auth) -> web.Response:
    params = await read_params(request)
    fields = _fields(params, None)
    new = [(c.keyword, True if c.whole_word is None else c.whole_word)
           for c in keyword_changes(params) if c.id is None and not c.destroy and c.keyword]
    db = request.app[DB]
    fid, _ = await filters.create_filter(db, request.app[IDS], auth.account_id, fields, new)
    row = await filters.get_filter(db, auth.account_id, fid)
    assert row is not None
    return web.json_response((await _full(request, [row]))[0])


@authenticated(*WRITE)
async def update_filter(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth)
    params = await read_params(request)
    db = request.app[DB]
    await filters.update_filter(db, request.app[IDS], row, _fields(params, row), keyword_changes(params))
    updated = await filters.get_filter(db, auth.account_id, row.id)
    assert updated is not None
    return web.json_response((await _full(request, [updated]))[0])


@authenticated(*WRITE)
async def delete_filter(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth)
    await filters.delete_filter(request.app[DB], row.id)
    return web.json_response({})


@authenticated(*READ)
async def list_keywords(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth, "filter_id")
    keywords = await filters.keywords_of(request.app[DB], [row.id])
    return web.json_response([serialize_keyword(k) for k in keywords[row.id]])


def _keyword_input(params: Params, keyword: str | None, whole_word: bool) -> tuple[str, bool]:
    text = (params.str("keyword", keyword) or "").strip()
    if not text:
        raise unprocessable("Validation failed: Keyword can't be blank")
    return text, bool(params.bool("whole_word", whole_word))


@authenticated(*WRITE)
async def add_keyword(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth, "filter_id")
    keyword, whole_word = _keyword_input(await read_params(request), None, True)
    db = request.app[DB]
    kid = await filters.add_keyword(db, request.app[IDS], row.id, keyword, whole_word)
    created = await filters.get_keyword(db, auth.account_id, kid)
    assert created is not None
    return web.json_response(serialize_keyword(created))


async def _owned_keyword(request: web.Request, auth: Auth) -> filters.KeywordRow:
    row = await filters.get_keyword(request.app[DB], auth.account_id, path_id(request))
    if row is None:
        raise not_found()
    return row


@authenticated(*READ)
async def show_keyword(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response(serialize_keyword(await _owned_keyword(request, auth)))


@authenticated(*WRITE)
async def update_keyword(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned_keyword(request, auth)
    keyword, whole_word = _keyword_input(await read_params(request), row.keyword, bool(row.whole_word))
    db = request.app[DB]
    await filters.update_keyword(db, row.id, keyword, whole_word)
    return web.json_response(serialize_keyword(await _owned_keyword(request, auth)))


@authenticated(*WRITE)
async def delete_keyword(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned_keyword(request, auth)
    await filters.delete_keyword(request.app[DB], row.id)
    return web.json_response({})


@authenticated(*READ)
async def list_statuses(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth, "filter_id")
    rows = await filters.statuses_of(request.app[DB], [row.id])
    return web.json_response([serialize_filter_status(s) for s in rows[row.id]])


@authenticated(*WRITE)
async def add_status(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned(request, auth, "filter_id")
    params = await read_params(request)
    status_id = params.int("status_id")
    db = request.app[DB]
    if status_id is None or not await filters.status_exists(db, status_id):
        raise not_found()
    new_id = await filters.add_filter_status(db, request.app[IDS], row.id, status_id)
    if new_id is None:
        raise unprocessable("Validation failed: Status has already been taken")
    created = await filters.get_filter_status(db, auth.account_id, new_id)
    assert created is not None
    return web.json_response(serialize_filter_status(created))


async def _owned_status(request: web.Request, auth: Auth) -> filters.FilterStatusRow:
    row = await filters.get_filter_status(request.app[DB], auth.account_id, path_id(request))
    if row is None:
        raise not_found()
    return row


@authenticated(*READ)
async def show_status(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response(serialize_filter_status(await _owned_status(request, auth)))


@authenticated(*WRITE)
async def delete_status(request: web.Request, auth: Auth) -> web.Response:
    row = await _owned_status(request, auth)
    await filters.delete_filter_status(request.app[DB], row.id)
    return web.json_response({})


def routes() -> list[web.RouteDef]:
    base = "/api/v2/filters"
    return [
        routing.get(f"{base}/keywords/{{id}}", show_keyword),
        routing.put(f"{base}/keywords/{{id}}", update_keyword),
        routing.delete(f"{base}/keywords/{{id}}", delete_keyword),
        routing.get(f"{base}/statuses/{{id}}", show_status),
        routing.delete(f"{base}/statuses/{{id}}", delete_status),
        routing.get(f"{base}/{{filter_id}}/keywords", list_keywords),
        routing.post(f"{base}/{{filter_id}}/keywords", add_keyword),
        routing.get(f"{base}/{{filter_id}}/statuses", list_statuses),
        routing.post(f"{base}/{{filter_id}}/statuses", add_status),
        routing.get(base, list_filters),
        routing.post(base, create_filter),
        routing.get(f"{base}/{{id}}", show_filter),
        routing.put(f"{base}/{{id}}", update_filter),
        routing.delete(f"{base}/{{id}}", delete_filter),
    ]
