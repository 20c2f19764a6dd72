"""Statuses: show, several at once, thread context, edit history, source,
delete; create and edit are in `status_compose` (routed from here);
favourites, boosts and the rest in `status_actions` (routed on their own)."""

from __future__ import annotations

from aiohttp import web

from federation import emit
from node import routing
from node.api import status_compose
from node.api.path_ids import id_param, path_id
from node.auth import Auth, authenticated, optional_auth
from node.entities.status import render_history, render_source, render_status, render_statuses
from node.errors import not_found, unprocessable
from node.keys import CONFIG, DB
from node.media_files import remove_files
from node.params import read_params
from node.streaming.port import stream_of
from storage import media, status_writes, statuses
from storage.statuses import StatusRow

MAX_IDS = 20  # Mastodon's DEFAULT_STATUSES_LIMIT for GET /api/v1/statuses
CONTEXT_LIMIT = 4096
ANON_ANCESTORS, ANON_DESCENDANTS, ANON_DEPTH = 40, 60, 20


def _viewer(auth: Auth | None) -> int | None:
    return auth.account_id if auth is not None and auth.account is not None else None


async def visible_or_404(request: web.Request, viewer_id: int | None) -> StatusRow:
    row = await statuses.status_for_viewer(request.app[DB], path_id(request), viewer_id)
    if row is None:
        raise not_found()
    return row


async def own_or_404(request: web.Request, auth: Auth) -> StatusRow:
    row = await statuses.get_status(request.app[DB], path_id(request))
    if row is None or row.account_id != auth.account_id:
        raise not_found()
    return row


@optional_auth("read", "read:statuses")
async def show_status(request: web.Request, auth: Auth | None) -> web.Response:
    viewer = _viewer(auth)
    row = await visible_or_404(request, viewer)
    return web.json_response(await render_status(request.app, row, viewer))


@optional_auth("read", "read:statuses")
async def show_statuses(request: web.Request, auth: Auth | None) -> web.Response:
    params = await read_params(request)
    wanted = [i for i in (id_param(v) for v in params.list("id")) if i is not None]
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > MAX_IDS:
        raise unprocessable(f"Validation failed: at most {MAX_IDS} ids at once")
    viewer = _viewer(auth)
    db = request.app[DB]
    rows = await statuses.visible_statuses(db, await statuses.get_statuses(db, wanted), viewer)
    return web.json_response(await render_statuses(request.app, rows, viewer))


@optional_auth("read", "read:statuses")
async def status_context(request: web.Request, auth: Auth | None) -> web.Response:
    viewer = _viewer(auth)
    row = await visible_or_404(request, viewer)
    db = request.app[DB]
    anonymous = viewer is None
    up = await statuses.ancestor_ids(db, row, ANON_ANCESTORS if anonymous else CONTEXT_LIMIT)
    down = await statuses.descendant_ids(db, row, ANON_DESCENDANTS if anonymous else CONTEXT_LIMIT,
                                         ANON_DEPTH if anonymous else None)
    rows = await statuses.visible_statuses(db, await statuses.get_statuses(db, up + down), viewer)
    rendered = await render_statuses(request.app, rows, viewer)
    above = set(up)
    return web.json_response({
        "ancestors": [body for r, body in zip(rows, rendered) if r.id in above],
        "descendants": [body for r, body in zip(rows, rendered) if r.id not in above],
    })


@optional_auth("read", "read:statuses")
async def status_history(request: web.Request, auth: Auth | None) -> web.Response:
    row = await visible_or_404(request, _viewer(auth))
    edits = await statuses.list_edits(request.app[DB], row.id)
    return web.json_response(await render_history(request.app, row, edits))


@authenticated("read", "read:statuses")
async def status_source(request: web.Request, auth: Auth) -> web.Response:
    row = await own_or_404(request, auth)
    return web.json_response(render_source(row))


@authenticated("write", "write:statuses")
async def delete_status(request: web.Request, auth: Auth) -> web.Response:
    """Returns the deleted status with its `text`, so a client can redraft;
    its media are detached for that redraft (Mastodon), or deleted with
    `delete_media=true`."""
    row = await own_or_404(request, auth)
    drop_media = bool((await read_params(request)).bool("delete_media", False))
    body = await render_status(request.app, row, auth.account_id, source=True)
    audience = await emit.deletion_audience(request.app[DB], row)  # mentions go with the status
    async with request.app[DB].write() as w:
        current = await status_writes.read_status(w, row.id)
        if current is None:
            raise not_found()
        detached = await media.detach_all(w, current.id)
        if drop_media:
            await media.delete_media(w, [m.id for m in detached])
        await status_writes.delete_status(w, current)
    if drop_media:
        await remove_files(request.app[CONFIG].storage.media_dir, [n for m in detached for n in m.file_names])
    await emit.after_commit(request.app, emit.status_deleted, current, audience)  # federation
    stream_of(request.app).status_deleted(current, audience.account_ids)  # mentioned, who could see it
    return web.json_response(body)


def routes() -> list[web.RouteDef]:
    return [
        routing.post("/api/v1/statuses", status_compose.create_status),
        routing.get("/api/v1/statuses", show_statuses),
        routing.get("/api/v1/statuses/{id}", show_status),
        routing.put("/api/v1/statuses/{id}", status_compose.edit_status),
        routing.delete("/api/v1/statuses/{id}", delete_status),
        routing.get("/api/v1/statuses/{id}/context", status_context),
        routing.get("/api/v1/statuses/{id}/history", status_history),
        routing.get("/api/v1/statuses/{id}/source", status_source),
    ]
