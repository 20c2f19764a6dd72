"""Filters v1: each keyword of a v2 filter seen as a filter of its own.

As in Mastodon: creating one makes a v2 filter titled by the phrase with
one keyword; `irreversible` is the `hide` action; the id is the keyword's.
Changing filter-wide fields (context, irreversible, expiry) through v1 of
a filter with several keywords is refused with 422. Deleting the last
keyword also deletes its filter, so no empty filter is left for v2 clients.
"""

from __future__ import annotations

from aiohttp import web

from node import routing
from node.api.filters import READ, WRITE, expires_at, read_contexts
from node.api.path_ids import path_id
from node.auth import Auth, authenticated
from node.entities.filter import serialize_v1_filter
from node.errors import not_found, unprocessable
from node.keys import DB, IDS
from node.params import Params, read_params
from storage import filters
from storage.filters import FilterFields, FilterRow, KeywordRow

MULTIPLE_KEYWORDS = ("These parameters cannot be changed from this application because they apply to more"
                     " than one filter keyword. Use a more recent application or the web interface.")


def _phrase(params: Params, current: str | None) -> str:
    phrase = (params.str("phrase", current) or "").strip()
    if not phrase:
        raise unprocessable("Validation failed: Keyword can't be blank")
    return phrase


def _action(params: Params, current: str) -> str:
    irreversible = params.bool("irreversible")
    if irreversible is None:
        return current
    return "hide" if irreversible else ("warn" if current == "hide" else current)


async def _owned(request: web.Request, auth: Auth) -> tuple[FilterRow, KeywordRow]:
    db = request.app[DB]
    keyword = await filters.get_keyword(db, auth.account_id, path_id(request))
    row = None if keyword is None else await filters.get_filter(db, auth.account_id, keyword.filter_id)
    if keyword is None or row is None:
        raise not_found()
    return row, keyword


@authenticated(*READ)
async def list_filters(request: web.Request, auth: Auth) -> web.Response:
    db = request.app[DB]
    rows = await filters.list_filters(db, auth.account_id)
    keywords = await filters.keywords_of(db, [r.id for r in rows])
    return web.json_response([serialize_v1_filter(r, k) for r in rows for k in keywords[r.id]])


@authenticated(*READ)
async def show_filter(request: web.Request, auth: Auth) -> web.Response:
    row, keyword = await _owned(request, auth)
    return web.json_response(serialize_v1_filter(row, keyword))


@authenticated(*WRITE)
async def create_filter(request: web.Request, auth: Auth) -> web.Response:
    params = await read_params(request)
    phrase = _phrase(params, None)
    fields = FilterFields(phrase, read_contexts(params, None), _action(params, "warn"),
                          expires_at(params, None))
    db = request.app[DB]
    fid, (kid,) = await filters.create_filter(db, request.app[IDS], auth.account_id, fields,
                                              [(phrase, bool(params.bool("whole_word", True)))])
    row = await filters.get_filter(db, auth.account_id, fid)
    keyword = await filters.get_keyword(db, auth.account_id, kid)
    assert row is not None and keyword is not None
    return web.json_response(serialize_v1_filter(row, keyword))


@authenticated(*WRITE)
async def update_filter(request: web.Request, auth: Auth) -> web.Response:
    row, keyword = await _owned(request, auth)
    params = await read_params(request)
    db = request.app[DB]
    phrase = _phrase(params, keyword.keyword)
    siblings = (await filters.keywords_of(db, [row.id]))[row.id]
    title = phrase if len(siblings) == 1 else row.title
    fields = FilterFields(title, read_contexts(params, row.contexts), _action(params, row.filter_action),
                          expires_at(params, row.expires_at))
    current = FilterFields(row.title, tuple(row.contexts), row.filter_action, row.expires_at)
    if fields != current and len(siblings) > 1:
        raise unprocessable(MULTIPLE_KEYWORDS)
    change = filters.KeywordChange(keyword.id, phrase, params.bool("whole_word"))
    await filters.update_filter(db, request.app[IDS], row, fields, [change])
    return web.json_response(serialize_v1_filter(*await _owned(request, auth)))


@authenticated(*WRITE)
async def delete_filter(request: web.Request, auth: Auth) -> web.Response:
    row, keyword = await _owned(request, auth)
    db = request.app[DB]
    await filters.delete_keyword(db, keyword.id)
    remaining = (await filters.keywords_of(db, [row.id]))[row.id]
    if not remaining and not (await filters.statuses_of(db, [row.id]))[row.id]:
        await filters.delete_filter(db, row.id)
    return web.json_response({})


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/filters", list_filters),
        routing.post("/api/v1/filters", create_filter),
        routing.get("/api/v1/filters/{id}", show_filter),
        routing.put("/api/v1/filters/{id}", update_filter),
        routing.delete("/api/v1/filters/{id}", delete_filter),
    ]
