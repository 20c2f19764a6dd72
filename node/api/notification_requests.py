"""Notification requests (Mastodon 4.3): mentions filtered by the
recipient's policy, one request per sender.

`GET /api/v1/notifications/requests` (paged on the request id, Link
header, 40 at most 80), `GET .../:id`, `POST .../:id/accept|dismiss`,
`POST .../accept|dismiss` with `id[]` for several, and `GET .../merged`
(whether accepted senders' notifications are back in the lists; they are
as soon as the accept commits). The entity: `account`, `last_status`,
`notifications_count` as a string.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from node import routing
from node.api.notification_policy import READ, WRITE
from node.api.path_ids import id_param, path_id
from node.auth import Auth, authenticated
from node.entities.account import serialize_account
from node.entities.status import render_statuses
from node.errors import not_found
from node.keys import CONFIG, DB, IDS
from node.pagination import paginate_list, read_page
from node.params import read_params
from storage import accounts, notification_requests, statuses
from storage.notification_requests import RequestRow

BASE = "/api/v1/notifications/requests"


async def _render(request: web.Request, rows: Sequence[RequestRow], viewer_id: int) -> list[dict[str, Any]]:
    db, config = request.app[DB], request.app[CONFIG]
    senders = await accounts.get_accounts(db, [r.from_account_id for r in rows])
    found = await statuses.get_statuses(db, [r.last_status_id for r in rows if r.last_status_id])
    visible = await statuses.visible_statuses(db, found, viewer_id)
    rendered = {int(s["id"]): s for s in await render_statuses(request.app, visible, viewer_id)}
    return [{"id": str(r.id), "created_at": r.created_at, "updated_at": r.updated_at,
             "account": serialize_account(senders[r.from_account_id], config),
             "notifications_count": str(r.notifications_count),
             "last_status": rendered.get(r.last_status_id) if r.last_status_id else None}
            for r in rows if r.from_account_id in senders]


@authenticated(*READ)
async def list_requests(request: web.Request, auth: Auth) -> web.Response:
    page = read_page(request, default_limit=40, max_limit=80)
    rows = await notification_requests.request_page(request.app[DB], auth.account_id, page)
    return web.json_response(await _render(request, rows, auth.account_id),
                             headers=paginate_list(request, page, [r.id for r in rows]))


@authenticated(*READ)
async def show_request(request: web.Request, auth: Auth) -> web.Response:
    row = await notification_requests.get_request(request.app[DB], auth.account_id, path_id(request))
    if row is None:
        raise not_found()
    return web.json_response((await _render(request, [row], auth.account_id))[0])


@authenticated(*READ)
async def merged(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response({"merged": await notification_requests.merged(request.app[DB], auth.account_id)})


@authenticated(*WRITE)
async def accept_one(request: web.Request, auth: Auth) -> web.Response:
    if not await notification_requests.accept(request.app[DB], request.app[IDS], auth.account_id,
                                              [path_id(request)]):
        raise not_found()
    return web.json_response({})


@authenticated(*WRITE)
async def dismiss_one(request: web.Request, auth: Auth) -> web.Response:
    if not await notification_requests.dismiss(request.app[DB], auth.account_id, [path_id(request)]):
        raise not_found()
    return web.json_response({})


async def _ids(request: web.Request) -> list[int]:
    """`id[]` values; also `id[][]`, which Mastodon.py 2.3's bulk methods send."""
    params = await read_params(request)
    found = (id_param(v) for v in params.list("id") + params.list("id[]"))
    return list(dict.fromkeys(i for i in found if i is not None))


@authenticated(*WRITE)
async def accept_many(request: web.Request, auth: Auth) -> web.Response:
    await notification_requests.accept(request.app[DB], request.app[IDS], auth.account_id, await _ids(request))
    return web.json_response({})


@authenticated(*WRITE)
async def dismiss_many(request: web.Request, auth: Auth) -> web.Response:
    await notification_requests.dismiss(request.app[DB], auth.account_id, await _ids(request))
    return web.json_response({})


def routes() -> list[web.RouteDef]:
    return [
        routing.get(BASE, list_requests),
        routing.get(f"{BASE}/merged", merged),
        routing.post(f"{BASE}/accept", accept_many),
        routing.post(f"{BASE}/dismiss", dismiss_many),
        routing.get(f"{BASE}/{{id}}", show_request),
        routing.post(f"{BASE}/{{id}}/accept", accept_one),
        routing.post(f"{BASE}/{{id}}/dismiss", dismiss_one),
    ]
