"""Announcements: what users see (`GET /api/v1/announcements`, `POST
.../:id/dismiss`, `PUT/DELETE .../:id/reactions/:name`) and what staff do
(`/api/v1/admin/announcements`: list, create, edit, publish, unpublish,
delete; each audited), both on `storage.announcements`.

As Mastodon: users see published announcements, each with `read` (they
dismissed it) and reactions; a reaction is a Unicode emoji or the
shortcode of an enabled local custom emoji, eight different ones at most
per announcement (422 otherwise, and for one the user already gave);
removing one the user did not give is 404. Staff text is rendered like a
status (paragraphs, links, hashtags); a link to a host without a permit
is shown as text (article 7(6)). Changes go to every signed-in user's
`user` stream as Mastodon's `announcement`, `announcement.reaction` and
`announcement.delete` events (`node.announcement_stream`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import emoji
from aiohttp import web

from node import gate, routing
from node.announcement_stream import stream_announcement, stream_to_users
from node.api.path_ids import path_id
from node.audit_log import audit
from node.auth import Auth, authenticated
from node.entities.announcement import render_announcements
from node.errors import not_found, unprocessable
from node.i18n import N_
from node.keys import CONFIG, DB, IDS
from node.params import Params, read_params
from node.api.status_compose import render_text
from storage import announcements, custom_emojis, statuses
from storage.announcements import AnnouncementRow, Draft
from storage.clock import iso, parse

ADMIN_READ, ADMIN_WRITE = "admin:read", "admin:write"
ADMIN_BASE = "/api/v1/admin/announcements"
MAX_TEXT = 5000
STATUS_PATH = re.compile(r"^/(?:@[\w.-]+|users/[\w.-]+/statuses)/(\d{1,19})/?$")


async def _published(request: web.Request) -> AnnouncementRow:
    row = await announcements.get(request.app[DB], path_id(request))
    if row is None or not row.published:
        raise not_found()
    return row


@authenticated("read", "read:accounts")
async def list_announcements(request: web.Request, auth: Auth) -> web.Response:
    rows = await announcements.listed(request.app[DB])
    return web.json_response(await render_announcements(request.app, rows, auth.account_id))


@authenticated("write", "write:accounts")
async def dismiss(request: web.Request, auth: Auth) -> web.Response:
    row = await _published(request)
    await announcements.dismiss(request.app[DB], request.app[IDS], auth.account_id, row.id)
    return web.json_response({})


async def _reaction_name(request: web.Request) -> str:
    name = request.match_info["name"].strip()
    if emoji.is_emoji(name):
        return name
    local = await custom_emojis.get_local(request.app[DB], name)
    if local is None or local.disabled:
        raise unprocessable("Validation failed: Name is not a recognized emoji")
    return name


async def _reacted(request: web.Request, row: AnnouncementRow, name: str) -> None:
    count = await announcements.reaction_count(request.app[DB], row.id, name)
    stream_to_users(request.app, "announcement.reaction", row.id,
                    {"name": name, "count": count, "announcement_id": str(row.id)})


@authenticated("write", "write:favourites")
async def add_reaction(request: web.Request, auth: Auth) -> web.Response:
    row = await _published(request)
    name = await _reaction_name(request)
    outcome = await announcements.add_reaction(request.app[DB], request.app[IDS], auth.account_id, row.id, name)
    if outcome == "exists":
        raise unprocessable("Validation failed: Name has already been taken")
    if outcome == "limit":
        raise unprocessable(f"Validation failed: Name has reached the limit of {announcements.MAX_REACTIONS}"
                            " different reactions")
    await _reacted(request, row, name)
    return web.json_response({})


@authenticated("write", "write:favourites")
async def remove_reaction(request: web.Request, auth: Auth) -> web.Response:
    row = await _published(request)
    name = request.match_info["name"].strip()
    if not await announcements.remove_reaction(request.app[DB], auth.account_id, row.id, name):
        raise not_found()
    await _reacted(request, row, name)
    return web.json_response({})


# ---- staff -------------------------------------------------------------------

def _time(params: Params, name: str) -> str | None:
    text = (params.str(name) or "").strip()
    if not text:
        return None
    try:
        moment = parse(text if "T" in text else text + "T00:00:00Z")
    except ValueError:
        raise unprocessable(f"Validation failed: {name} is not a date or time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return iso(moment)


async def read_draft(app: web.Application, params: Params) -> Draft:
    """The announcement a staff form or API call describes; 422 when it cannot be one."""
    text = (params.str("text") or "").strip()
    if not text:
        raise unprocessable("Validation failed: " + N_("Text can't be blank"))
    if len(text) > MAX_TEXT:
        raise unprocessable(f"Validation failed: Text is too long (maximum is {MAX_TEXT} characters)")
    starts, ends = _time(params, "starts_at"), _time(params, "ends_at")
    if starts and ends and ends < starts:
        raise unprocessable("Validation failed: " + N_("Ends at must be after the start"))
    decision = await gate.vet_links(app, [("text", text)], "status")
    rendered = await render_text(app, text, decision.link_policy() if decision.unlinked else None)
    statuses = await _linked_statuses(app, rendered.urls)
    return Draft(text, rendered.content, starts, ends, bool(params.bool("all_day", False)) and bool(starts or ends),
                 tuple(rendered.mention_ids), tuple(statuses))


async def _linked_statuses(app: web.Application, urls: Sequence[str]) -> list[int]:
    """Public local statuses the text links to (Mastodon's `statuses`)."""
    base = app[CONFIG].node.base_url
    ids = [int(m.group(1)) for u in urls if u.startswith(base) and (m := STATUS_PATH.search(u[len(base):]))]
    found = await statuses.get_statuses(app[DB], ids)
    return [s.id for s in found if s.local and s.published and s.visibility in ("public", "unlisted")]


def admin_entity(row: AnnouncementRow) -> dict[str, Any]:
    return {"id": str(row.id), "text": row.text, "content": row.content, "starts_at": row.starts_at,
            "ends_at": row.ends_at, "all_day": bool(row.all_day), "published": bool(row.published),
            "published_at": row.published_at, "created_at": row.created_at, "updated_at": row.updated_at}


async def create_announcement(app: web.Application, actor: Any, params: Params) -> AnnouncementRow:
    draft = await read_draft(app, params)
    row = await announcements.create(app[DB], app[IDS], draft, publish=bool(params.bool("published", False)))
    await audit(app, actor, "announcement.create", ("announcement", row.id), {"published": bool(row.published)})
    if row.published:
        await stream_announcement(app, row)
    return row


async def edit_announcement(app: web.Application, actor: Any, announcement_id: int,
                            params: Params) -> AnnouncementRow:
    draft = await read_draft(app, params)
    row = await announcements.update(app[DB], announcement_id, draft)
    if row is None:
        raise not_found()
    await audit(app, actor, "announcement.update", ("announcement", row.id))
    if row.published:
        await stream_announcement(app, row)
    return row


async def publish_announcement(app: web.Application, actor: Any, announcement_id: int,
                               published: bool) -> AnnouncementRow:
    row = await announcements.set_published(app[DB], announcement_id, published)
    if row is None:
        raise not_found()
    await audit(app, actor, "announcement.publish" if published else "announcement.unpublish",
                ("announcement", row.id))
    if published:
        await stream_announcement(app, row)
    else:
        stream_to_users(app, "announcement.delete", row.id)
    return row


async def delete_announcement(app: web.Application, actor: Any, announcement_id: int) -> None:
    if not await announcements.delete(app[DB], announcement_id):
        raise not_found()
    await audit(app, actor, "announcement.delete", ("announcement", announcement_id))
    stream_to_users(app, "announcement.delete", announcement_id)


@authenticated(ADMIN_READ, staff=True)
async def admin_list(request: web.Request, auth: Auth) -> web.Response:
    rows = await announcements.listed(request.app[DB], published_only=False)
    return web.json_response([admin_entity(r) for r in rows])


@authenticated(ADMIN_WRITE, staff=True)
async def admin_create(request: web.Request, auth: Auth) -> web.Response:
    row = await create_announcement(request.app, auth, await read_params(request))
    return web.json_response(admin_entity(row))


@authenticated(ADMIN_WRITE, staff=True)
async def admin_update(request: web.Request, auth: Auth) -> web.Response:
    row = await edit_announcement(request.app, auth, path_id(request), await read_params(request))
    return web.json_response(admin_entity(row))


def _publishing(published: bool) -> routing.Handler:
    @authenticated(ADMIN_WRITE, staff=True)
    async def handler(request: web.Request, auth: Auth) -> web.Response:
        return web.json_response(admin_entity(await publish_announcement(request.app, auth, path_id(request),
                                                                         published)))
    return handler


@authenticated(ADMIN_WRITE, staff=True)
async def admin_delete(request: web.Request, auth: Auth) -> web.Response:
    await delete_announcement(request.app, auth, path_id(request))
    return web.json_response({})


def routes() -> list[web.RouteDef]:
    base = "/api/v1/announcements/{id}"
    return [
        routing.get("/api/v1/announcements", list_announcements),
        routing.post(f"{base}/dismiss", dismiss),
        routing.put(f"{base}/reactions/{{name}}", add_reaction),
        routing.delete(f"{base}/reactions/{{name}}", remove_reaction),
        routing.get(ADMIN_BASE, admin_list),
        routing.post(ADMIN_BASE, admin_create),
        routing.put(f"{ADMIN_BASE}/{{id}}", admin_update),
        routing.post(f"{ADMIN_BASE}/{{id}}/publish", _publishing(True)),
        routing.post(f"{ADMIN_BASE}/{{id}}/unpublish", _publishing(False)),
        routing.delete(f"{ADMIN_BASE}/{{id}}", admin_delete),
    ]
