"""False information and its correction (article 7(5)).

A moderator marks a status (local or remote) as false information with a
correction text and a source. Every client then sees a server-side
FilterResult with `filter_action: "warn"` on that status (no client
changes needed: `status_filters` merges it in), the status's page shows
the notice, and the node's official account publishes the correction as
a public status linking the original.

The official account speaks with the node's own voice: it is created on
first use and its correction posts are stored directly, past the
identity gate (the node has no person behind it to verify), never past
an audit record.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from federation import emit
from federation.urls import Urls
from node import html, routing
from node.api.path_ids import id_param, path_id
from node.api.status_compose import render_text
from node.audit_log import audit
from node.auth import Auth, authenticated
from node.entities.correction import source_link
from node.errors import not_found, unprocessable
from node.html import Markup, escape
from node.i18n import _
from node.keys import CONFIG, DB, IDS
from node.pagination import read_limit
from node.params import read_params
from node.streaming.port import stream_of
from node.registration import SignUp, create_local_account
from storage import accounts, corrections, status_writes, statuses
from storage.accounts import AccountRow
from storage.clock import now_iso
from storage.corrections import CorrectionRow
from storage.status_writes import NewStatus
from storage.statuses import StatusRow

READ = ("admin:read", "admin:read:reports")
WRITE = ("admin:write", "admin:write:reports")


def serialize_correction(row: CorrectionRow, original: StatusRow | None, base_url: str) -> dict[str, Any]:
    return {"id": str(row.id), "status_id": str(row.status_id), "text": row.text, "source_url": row.source_url or None,
            "status_url": (original.url or original.uri) if original else None,
            "correction_status_id": str(row.correction_status_id) if row.correction_status_id else None,
            "created_at": row.created_at}


async def official_account(app: web.Application) -> AccountRow:
    """The node's own account, created on first use (role user, no identity)."""
    config, db = app[CONFIG], app[DB]
    name = config.node.official_account
    found = await accounts.find_local_account(db, name)
    if found is not None:
        return found
    host = config.node.domain.split(":")[0]
    email = f"{name}@{host if '.' in host else host + '.invalid'}"
    return await create_local_account(db, app[IDS], config, SignUp(
        username=name, email=email, password=secrets.token_urlsafe(32), allow_reserved=True))


def correction_text(text: str, original: StatusRow, source_url: str) -> str:
    source = f" (source: {source_url})" if source_url else ""
    return f"更正 Correction: {text} — {original.url or original.uri}{source}"


async def _official_post(app: web.Application, author: AccountRow, body: str) -> tuple[NewStatus, Any]:
    rendered = await render_text(app, body)
    status_id = app[IDS].next_id()
    urls = Urls.of(app[CONFIG].node.base_url)
    new = NewStatus(id=status_id, account_id=author.id, uri=urls.status(author.username, status_id),
                    url=urls.status_page(author.username, status_id), text=body, content=rendered.content,
                    visibility="public", language="zh")
    return new, rendered


async def _original(request: web.Request) -> StatusRow:
    return await markable_status(request.app, path_id(request))


async def mark_false(app: web.Application, actor: AccountRow, original: StatusRow, text: str,
                     source: str) -> CorrectionRow:
    """Mark `original` as false information: the warning, the official post, the audit record."""
    text, source = text.strip(), source.strip()
    if not text:
        raise unprocessable("Validation failed: text can't be blank")
    if source and not source.startswith(("http://", "https://")):
        raise unprocessable("Validation failed: source_url must be an http(s) URL")
    official = await official_account(app)
    new, rendered = await _official_post(app, official, correction_text(text[:1000], original, source))
    row = CorrectionRow(app[IDS].next_id(), original.id, text[:1000], source, actor.id, new.id, now_iso())
    async with app[DB].write() as w:
        posted = await status_writes.insert_status(w, new)
        await status_writes.record_mentions(w, posted.id, rendered.mention_ids)
        await status_writes.record_tags(w, app[IDS], posted.id, rendered.tags)
        await status_writes.publish_effects(w, app[IDS], posted, new.text, rendered.mention_ids)
        await corrections.save_correction(w, row)
        await audit(w, actor, "status.correction", ("status", original.id),
                    {"text": row.text, "source_url": source, "correction_status_id": str(new.id)})
    await emit.after_commit(app, emit.status_created, new.id)  # federation delivers the node's correction
    stream_of(app).status_created(new.id)
    saved = await corrections.get_correction(app[DB], original.id)
    assert saved is not None
    return saved


async def markable_status(app: web.Application, status_id: int) -> StatusRow:
    """A status that may carry a correction: not deleted, not a boost."""
    row = await statuses.get_status(app[DB], status_id)
    if row is None or row.deleted_at or row.reblog_of_id:
        raise not_found()
    return row


@authenticated(*WRITE, staff=True)
async def mark(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/admin/statuses/:id/correction {text, source_url}"""
    assert auth.account is not None
    original = await _original(request)
    params = await read_params(request)
    saved = await mark_false(request.app, auth.account, original, params.str("text") or "",
                             params.str("source_url") or "")
    return web.json_response(serialize_correction(saved, original, request.app[CONFIG].node.base_url))


@authenticated(*READ, staff=True)
async def show(request: web.Request, auth: Auth) -> web.Response:
    original = await _original(request)
    found = await corrections.get_correction(request.app[DB], original.id)
    if found is None:
        raise not_found()
    return web.json_response(serialize_correction(found, original, request.app[CONFIG].node.base_url))


@authenticated(*WRITE, staff=True)
async def unmark(request: web.Request, auth: Auth) -> web.Response:
    """DELETE /api/v1/admin/statuses/:id/correction: the warning goes; the
    official post stays (it was published), which the audit log explains."""
    original = await _original(request)
    async with request.app[DB].write() as w:
        if not await corrections.delete_correction(w, original.id):
            raise not_found()
        await audit(w, auth, "status.correction_removed", ("status", original.id), {})
    return web.json_response({})


async def _listing(request: web.Request) -> list[dict[str, Any]]:
    db = request.app[DB]
    rows = await corrections.list_corrections(db, read_limit(request, 40, 80), id_param(request.query.get("max_id")))
    originals = {s.id: s for s in await statuses.get_statuses(db, [r.status_id for r in rows])}
    return [serialize_correction(r, originals.get(r.status_id), request.app[CONFIG].node.base_url) for r in rows]


async def list_json(request: web.Request) -> web.Response:
    """GET /api/v1/corrections: public, as the corrections are."""
    return web.json_response(await _listing(request))


async def list_page(request: web.Request) -> web.Response:
    """GET /corrections: HTML, or JSON for Accept: application/json."""
    items = await _listing(request)
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response(items)
    entries = "".join(
        f'<li><p>{escape(i["text"])}</p><p><a href="{escape(i["status_url"] or "")}">{escape(i["status_url"] or "")}'
        f'</a>{source_link(i["source_url"])} · <time>{escape(i["created_at"])}</time></p></li>' for i in items)
    body = html.render("corrections.html", entries=Markup(entries or "<li>" + escape(_("No corrections.")) + "</li>"))
    return html.page(request.app[CONFIG], _("Corrections"), body)


def routes() -> list[web.RouteDef]:
    base = "/api/v1/admin/statuses/{id}/correction"
    return [
        routing.post(base, mark),
        routing.get(base, show),
        routing.delete(base, unmark),
        routing.get("/api/v1/corrections", list_json),
        routing.get("/corrections", list_page),
    ]
