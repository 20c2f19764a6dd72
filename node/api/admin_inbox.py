"""Admin API of the inbox's dead letters (issue #14).

A row whose processing failed is kept with its error
(`storage.inbox`, state 'failed'); staff read them here and admins put
one back in the queue. Not a Mastodon API (Mastodon keeps failed jobs in
Sidekiq's dead set); the shape follows its admin entities: string ids,
ISO dates. The `/admin/inbox` page calls these same functions.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from node import routing
from node.audit_log import audit
from node.auth import Auth, authenticated
from node.errors import forbidden, not_found
from node.keys import DB, FEDERATION
from node.pagination import link_header, read_limit
from node.api.path_ids import id_param, path_id
from storage import inbox as store
from storage.accounts import AccountRow
from storage.inbox import InboxRow

BASE = "/api/v1/admin/inbox/failed"
PREVIEW_CHARS = 2000


def serialize_dead_letter(row: InboxRow) -> dict[str, Any]:
    kind = ""
    try:
        parsed = json.loads(row.body)
        kind = str(parsed.get("type", "")) if isinstance(parsed, dict) else ""
    except ValueError:
        pass
    return {"id": str(row.id), "activity_id": row.activity_id, "type": kind, "actor": row.actor,
            "domain": row.host, "received_at": row.received_at, "attempts": row.attempts,
            "error": row.error or "", "body": row.body[:PREVIEW_CHARS]}


async def dead_letters(app: web.Application, limit: int, max_id: int | None = None) -> list[InboxRow]:
    return await store.failed_rows(app[DB], limit, max_id)


async def retry_dead_letter(app: web.Application, actor: AccountRow, row_id: int) -> InboxRow:
    """Put a failed row back in the queue (audited); 404 when it is not failed."""
    row = await store.get_row(app[DB], row_id)
    if row is None or row.state != "failed" or not await store.retry_failed(app[DB], row_id):
        raise not_found()
    await audit(app, actor, "inbox.retry", ("inbox_activity", str(row_id)),
                {"activity_id": row.activity_id, "error": row.error or ""})
    fed = app.get(FEDERATION)  # absent while federation is off: the row waits for it
    if fed is not None:
        fed.wake.set()
    return row


@authenticated("admin:read", staff=True)
async def list_failed(request: web.Request, auth: Auth) -> web.Response:
    rows = await dead_letters(request.app, read_limit(request, 40, 200), id_param(request.query.get("max_id")))
    response = web.json_response([serialize_dead_letter(r) for r in rows])
    link = link_header(request, [r.id for r in rows])
    if link:
        response.headers["Link"] = link
    return response


@authenticated("admin:write", staff=True)
async def retry(request: web.Request, auth: Auth) -> web.Response:
    if not auth.is_admin:
        raise forbidden("This action is not allowed")
    assert auth.account is not None
    row = await retry_dead_letter(request.app, auth.account, path_id(request))
    return web.json_response({"id": str(row.id), "state": "received"})


def routes() -> list[web.RouteDef]:
    return [routing.get(BASE, list_failed), routing.post(BASE + "/{id}/retry", retry)]
