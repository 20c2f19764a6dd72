"""Custom emoji: `GET /api/v1/custom_emojis` (the local emoji listed in the
picker, public), their files at /system/custom_emojis/<name>, each
emoji's ActivityPub document at /emojis/:id (what Emoji tags point to),
and the staff's admin API at `/api/v1/admin/custom_emojis`: list (with
disabled ones), upload (multipart `file`, `shortcode`, optional
`category` and `visible_in_picker`), change (`category`,
`visible_in_picker`, `disabled`) and delete, each audited. Uploads are
checked by `node.custom_emoji_files`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.custom_emojis import emoji_document
from node import routing
from node.api.activitypub import ap_response, federation_of
from node.api.path_ids import path_id
from node.audit_log import audit
from node.auth import Auth, authenticated
from node.custom_emoji_files import (MAX_BYTES, EmojiError, EmojiUpload, change_emoji, create_emoji,
                                     delete_emoji, emoji_dir)
from node.errors import not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.media_files import FILE_NAME, read_upload
from node.params import read_params
from storage import custom_emojis
from storage.custom_emojis import LOCAL_PATH, EmojiRow

ADMIN_READ, ADMIN_WRITE = "admin:read", "admin:write"
ADMIN_BASE = "/api/v1/admin/custom_emojis"


def _entity(request: web.Request, row: EmojiRow) -> dict[str, Any]:
    return custom_emojis.entity(row, request.app[CONFIG].node.base_url)


def admin_entity(request: web.Request, row: EmojiRow) -> dict[str, Any]:
    return {"id": str(row.id), **_entity(request, row), "disabled": bool(row.disabled), "size": row.size,
            "content_type": row.content_type, "created_at": row.created_at, "updated_at": row.updated_at}


async def list_emojis(request: web.Request) -> web.Response:
    rows = await custom_emojis.list_local(request.app[DB])
    return web.json_response([_entity(request, r) for r in rows if r.visible_in_picker])


async def serve_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    row = await custom_emojis.by_file_name(request.app[DB], name) if FILE_NAME.match(name) else None
    path = emoji_dir(request.app[CONFIG]) / name
    if row is None or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={
        "Content-Type": row.content_type, "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "public, max-age=31536000, immutable"})


async def emoji_object(request: web.Request) -> web.Response:
    fed = federation_of(request)
    row = await custom_emojis.get_emoji(fed.db, path_id(request))
    if row is None or row.domain is not None or row.disabled:
        raise not_found()
    return ap_response({"@context": ["https://www.w3.org/ns/activitystreams",
                                     {"toot": "http://joinmastodon.org/ns#", "Emoji": "toot:Emoji"}],
                        **emoji_document(fed.urls, row)})


@authenticated(ADMIN_READ, staff=True)
async def admin_list(request: web.Request, auth: Auth) -> web.Response:
    rows = await custom_emojis.list_local(request.app[DB], enabled_only=False)
    return web.json_response([admin_entity(request, r) for r in rows])


async def upload_emoji(app: web.Application, actor: Any, upload: EmojiUpload) -> EmojiRow:
    """The one audited upload, for the admin API and the /admin page."""
    try:
        row = await create_emoji(app[DB], app[IDS], app[CONFIG], upload)
    except EmojiError as exc:
        raise unprocessable(f"Validation failed: {exc}") from None
    await audit(app, actor, "custom_emoji.create", ("custom_emoji", row.shortcode), {"size": row.size})
    return row


async def local_emoji(app: web.Application, emoji_id: int) -> EmojiRow:
    row = await custom_emojis.get_emoji(app[DB], emoji_id)
    if row is None or row.domain is not None:
        raise not_found()
    return row


async def update_emoji(app: web.Application, actor: Any, emoji_id: int, *, category: str | None,
                       visible: bool, disabled: bool) -> EmojiRow:
    row = await local_emoji(app, emoji_id)
    try:
        row = await change_emoji(app[DB], row, category=(category or "").strip() or None, visible=visible,
                                 disabled=disabled)
    except EmojiError as exc:
        raise unprocessable(f"Validation failed: {exc}") from None
    await audit(app, actor, "custom_emoji.update", ("custom_emoji", row.shortcode),
                {"disabled": bool(row.disabled), "visible_in_picker": bool(row.visible_in_picker)})
    return row


async def remove_emoji(app: web.Application, actor: Any, emoji_id: int) -> EmojiRow:
    row = await delete_emoji(app[DB], app[CONFIG], (await local_emoji(app, emoji_id)).id)
    if row is None:
        raise not_found()
    await audit(app, actor, "custom_emoji.delete", ("custom_emoji", row.shortcode))
    return row


def upload_of(fields: dict[str, str], data: bytes | None) -> EmojiUpload:
    visible = fields.get("visible_in_picker", "true").strip().lower() not in ("false", "0", "off", "no", "")
    return EmojiUpload(fields.get("shortcode", "").strip(), data or b"",
                       (fields.get("category") or "").strip() or None, visible)


@authenticated(ADMIN_WRITE, staff=True)
async def admin_create(request: web.Request, auth: Auth) -> web.Response:
    sent = await read_upload(request, MAX_BYTES)
    row = await upload_emoji(request.app, auth, upload_of({"visible_in_picker": "true", **sent.fields}, sent.data))
    return web.json_response(admin_entity(request, row))


@authenticated(ADMIN_WRITE, staff=True)
async def admin_update(request: web.Request, auth: Auth) -> web.Response:
    row = await local_emoji(request.app, path_id(request))
    params = await read_params(request)
    category = params.str("category") if "category" in params else row.category
    row = await update_emoji(request.app, auth, row.id, category=category,
                             visible=bool(params.bool("visible_in_picker", bool(row.visible_in_picker))),
                             disabled=bool(params.bool("disabled", bool(row.disabled))))
    return web.json_response(admin_entity(request, row))


@authenticated(ADMIN_WRITE, staff=True)
async def admin_delete(request: web.Request, auth: Auth) -> web.Response:
    await remove_emoji(request.app, auth, path_id(request))
    return web.json_response({})


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/custom_emojis", list_emojis),
        web.get(LOCAL_PATH + "{name}", serve_file),
        routing.get("/emojis/{id}", emoji_object),
        routing.get(ADMIN_BASE, admin_list),
        routing.post(ADMIN_BASE, admin_create),
        routing.patch(f"{ADMIN_BASE}/{{id}}", admin_update),
        routing.delete(f"{ADMIN_BASE}/{{id}}", admin_delete),
    ]
