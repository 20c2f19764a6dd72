"""Announcements (`/admin/announcements`): list, write, edit, publish,
unpublish, delete. Each action is the admin API's own function
(`node.api.announcements`), so page and API cannot drift: the same
validation, audit records and streaming events. The page's words are
in its templates (`admin_announcements.html`, `admin_announcement_form.html`)
and the catalog, like every page's (`node.i18n`).
"""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import attempt, back, params_of, read_form, require_staff, show
from node.api.announcements import (create_announcement, delete_announcement, edit_announcement,
                                    publish_announcement)
from node.api.path_ids import path_id
from node.html import Markup
from node.i18n import N_, _
from node.keys import DB
from storage import announcements
from storage.announcements import AnnouncementRow

SAVED = N_("Announcement saved.")
DELETED = N_("Announcement deleted.")


def _form(action: str, csrf: str, row: AnnouncementRow | None) -> Markup:
    return html.render("admin_announcement_form.html", action=action, csrf=csrf,
                       text=row.text if row else "", starts_at=(row.starts_at or "") if row else "",
                       ends_at=(row.ends_at or "") if row else "",
                       all_day=bool(row and row.all_day), published=bool(row and row.published))


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/announcements"""
    staff = await require_staff(request)
    rows = await announcements.listed(request.app[DB], published_only=False)
    counts = await announcements.reactions(request.app[DB], [r.id for r in rows], None)
    csrf = await sessions.csrf_token(request)
    listed = [{"id": r.id, "text": r.text[:200], "published": bool(r.published), "starts_at": r.starts_at or "",
               "ends_at": r.ends_at or "", "reactions": " ".join(f"{c.name} {c.count}" for c in counts.get(r.id, []))}
              for r in rows]
    page = html.render("admin_announcements.html", rows=listed, csrf=csrf,
                       form=_form("/admin/announcements", csrf, None))
    return await show(request, staff, _("Announcements"), page)


async def create(request: web.Request) -> web.StreamResponse:
    """POST /admin/announcements"""
    staff, form = await read_form(request)
    row, error = await attempt(create_announcement(request.app, staff.account, params_of(form)))
    return back(request, "/admin/announcements", error=error, notice=_(SAVED) if row else "")


async def edit_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/announcements/{id}"""
    staff = await require_staff(request)
    row = await announcements.get(request.app[DB], path_id(request))
    if row is None:
        raise sessions.error_page(request, 404, _("Not found"), _("No such announcement."))
    form = _form(f"/admin/announcements/{row.id}", await sessions.csrf_token(request), row)
    return await show(request, staff, _("Edit announcement"), form)


async def save(request: web.Request) -> web.StreamResponse:
    """POST /admin/announcements/{id}: the edit form; its Published box publishes or unpublishes."""
    staff, form = await read_form(request)
    announcement_id, params = path_id(request), params_of(form)
    row, error = await attempt(edit_announcement(request.app, staff.account, announcement_id, params))
    if row is not None and bool(row.published) != bool(params.bool("published", False)):
        row, error = await attempt(publish_announcement(request.app, staff.account, row.id,
                                                        not row.published))
    return back(request, "/admin/announcements", error=error, notice=_(SAVED) if row else "")


async def act(request: web.Request) -> web.StreamResponse:
    """POST /admin/announcements/{id}/{publish|unpublish|delete}"""
    staff, _form_data = await read_form(request)
    announcement_id, verb = path_id(request), request.match_info["verb"]
    if verb == "delete":
        _deleted, error = await attempt(delete_announcement(request.app, staff.account, announcement_id))
        return back(request, "/admin/announcements", error=error, notice="" if error else _(DELETED))
    if verb not in ("publish", "unpublish"):
        raise sessions.error_page(request, 404, _("Not found"), _("No such action."))
    row, error = await attempt(publish_announcement(request.app, staff.account, announcement_id,
                                                    verb == "publish"))
    return back(request, "/admin/announcements", error=error, notice=_(SAVED) if row else "")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/announcements", list_page),
        routing.post("/admin/announcements", create),
        routing.get("/admin/announcements/{id}", edit_page),
        routing.post("/admin/announcements/{id}", save),
        routing.post("/admin/announcements/{id}/{verb}", act),
    ]
