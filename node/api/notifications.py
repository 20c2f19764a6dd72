"""Notifications v1: the flat list, one notification, dismiss, clear, unread count.

`types[]` narrows to those types, `exclude_types[]` removes some, as
Mastodon combines them (unknown types are ignored, so asking only for
unknown ones gives an empty list); `account_id` keeps one sender's;
`include_filtered=true` adds those the notification policy filtered.
Unread means newer than the `notifications` marker.
"""

from __future__ import annotations

from aiohttp import web

from node import routing
from node.api.path_ids import id_param, path_id
from node.auth import Auth, authenticated
from node.entities.notification import render_notifications
from node.errors import not_found
from node.keys import DB
from node.pagination import paginate, read_limit, read_page
from node.params import Params, read_params
from storage import markers, notification_queries, notifications
from storage.notification_queries import Selection

READ = ("read", "read:notifications")
WRITE = ("write", "write:notifications")
TYPES = frozenset({"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
                   "admin.sign_up", "admin.report", "severed_relationships", "moderation_warning",
                   "quote", "quoted_update"})
DEFAULT_LIMIT, MAX_LIMIT = 40, 80
COUNT_LIMIT, MAX_COUNT_LIMIT = 100, 1000


def selection(params: Params, *, by_account: bool = True) -> Selection:
    asked = {str(t) for t in params.list("types")}
    wanted = (asked & TYPES if asked else set(TYPES)) - {str(t) for t in params.list("exclude_types")}
    types = None if wanted == TYPES else frozenset(wanted)
    account = id_param(params.raw("account_id")) if by_account else None
    return Selection(types, account, include_filtered=bool(params.bool("include_filtered", False)))


@authenticated(*READ)
async def list_notifications(request: web.Request, auth: Auth) -> web.Response:
    params = await read_params(request)
    page = read_page(request, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)
    rows = await notification_queries.list_notifications(request.app[DB], auth.account_id, selection(params), page)
    body = await render_notifications(request.app, rows, auth.account_id)
    return web.json_response(body, headers=paginate(request, [r.id for r in rows]))


@authenticated(*READ)
async def show_notification(request: web.Request, auth: Auth) -> web.Response:
    row = await notification_queries.get_notification(request.app[DB], auth.account_id, path_id(request))
    body = await render_notifications(request.app, [row], auth.account_id) if row else []
    if not body:
        raise not_found()
    return web.json_response(body[0])


@authenticated(*WRITE)
async def clear(request: web.Request, auth: Auth) -> web.Response:
    await notifications.clear_notifications(request.app[DB], auth.account_id)
    return web.json_response({})


@authenticated(*WRITE)
async def dismiss(request: web.Request, auth: Auth) -> web.Response:
    if not await notifications.dismiss_notification(request.app[DB], auth.account_id, path_id(request)):
        raise not_found()
    return web.json_response({})


@authenticated(*READ)
async def unread_count(request: web.Request, auth: Auth) -> web.Response:
    db = request.app[DB]
    marker = await markers.last_read_id(db, auth.account_id, "notifications")
    limit = read_limit(request, COUNT_LIMIT, MAX_COUNT_LIMIT)
    count = await notification_queries.count_after(
        db, auth.account_id, selection(await read_params(request)), marker, limit)
    return web.json_response({"count": count})


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/notifications", list_notifications),
        routing.get("/api/v1/notifications/unread_count", unread_count),
        routing.post("/api/v1/notifications/clear", clear),
        routing.get("/api/v1/notifications/{id}", show_notification),
        routing.post("/api/v1/notifications/{id}/dismiss", dismiss),
    ]
