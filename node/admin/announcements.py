"""Announcements (`/admin/announcements`): list, write, edit, publish,
unpublish, delete. Each action is the admin API's own function
(`node.api.announcements`), so page and API cannot drift: the same
validation, audit records and streaming events. Every visible string is
in the templates (`admin_announcement*.html`); the state and button
labels are the lines of `admin_announcement_states.html`.
"""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import attempt, back, params_of, read_form, require_staff, show
from node.api.announcements import (create_announcement, delete_announcement, edit_announcement,
                                    publish_announcement)
from node.api.path_ids import path_id
from node.html import Markup
from node.keys import DB
from storage import announcements
from storage.announcements import AnnouncementRow

PUBLISHED, DRAFT, UNPUBLISH, PUBLISH, TITLE, EDIT_TITLE = range(6)
SAVED = "公告已保存。 / Announcement saved."
DELETED = "公告已删除。 / Announcement deleted."


def _labels() -> list[str]:
    return [line.strip() for line in html.render("admin_announcement_states.html").splitlines() if line.strip()]


def _form(action: str, csrf: str, row: AnnouncementRow | None) -> Markup:
    return html.render("admin_announcement_form.html", action=action, csrf=csrf,
                       text=row.text if row else "", starts_at=(row.starts_at or "") if row else "",
                       ends_at=(row.ends_at or "") if row else "",
                       all_day=Markup(" checked" if row and row.all_day else ""),
                       published=Markup(" checked" if row and row.published else ""))


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/announcements"""
    staff = await require_staff(request)
    rows = await announcements.listed(request.app[DB], published_only=False)
    counts = await announcements.reactions(request.app[DB], [r.id for r in rows], None)
    csrf, labels = await sessions.csrf_token(request), _labels()
    body = Markup("".join(html.render(
        "admin_announcement_row.html", id=r.id, csrf=csrf, text=r.text[:200],
        state=labels[PUBLISHED if r.published else DRAFT], starts_at=r.starts_at or "", ends_at=r.ends_at or "",
        reactions=" ".join(f"{c.name} {c.count}" for c in counts.get(r.id, [])),
        toggle="unpublish" if r.published else "publish", toggle_label=labels[UNPUBLISH if r.published else PUBLISH])
        for r in rows))
    page = html.render("admin_announcements.html", rows=body,
                       empty=Markup("") if rows else html.render("admin_announcements_empty.html"),
                       form=_form("/admin/announcements", csrf, None))
    return await show(request, staff, labels[TITLE], page)


async def create(request: web.Request) -> web.StreamResponse:
    """POST /admin/announcements"""
    staff, form = await read_form(request)
    row, error = await attempt(create_announcement(request.app, staff.account, params_of(form)))
    return back(request, "/admin/announcements", error=error, notice=SAVED if row else "")


async def edit_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/announcements/{id}"""
    staff = await require_staff(request)
    row = await announcements.get(request.app[DB], path_id(request))
    if row is None:
        raise sessions.error_page(request, 404, "Not found", "No such announcement.")
    form = _form(f"/admin/announcements/{row.id}", await sessions.csrf_token(request), row)
    return await show(request, staff, _labels()[EDIT_TITLE], form)


async def save(request: web.Request) -> web.StreamResponse:
    """POST /admin/announcements/{id}: the edit form; its Published box publishes or unpublishes."""
    staff, form = await read_form(request)
    announcement_id, params = path_id(request), params_of(form)
    row, error = await attempt(edit_announcement(request.app, staff.account, announcement_id, params))
    if row is not None and bool(row.published) != bool(params.bool("published", False)):
        row, error = await attempt(publish_announcement(request.app, staff.account, row.id,
                                                        not row.published))
    return back(request, "/admin/announcements", error=error, notice=SAVED if row else "")


async def act(request: web.Request) -> web.StreamResponse:
    """POST /admin/announcements/{id}/{publish|unpublish|delete}"""
    staff, _form_data = await read_form(request)
    announcement_id, verb = path_id(request), request.match_info["verb"]
    if verb == "delete":
        _, error = await attempt(delete_announcement(request.app, staff.account, announcement_id))
        return back(request, "/admin/announcements", error=error, notice="" if error else DELETED)
    if verb not in ("publish", "unpublish"):
        raise sessions.error_page(request, 404, "Not found", "No such action.")
    row, error = await attempt(publish_announcement(request.app, staff.account, announcement_id,
                                                    verb == "publish"))
    return back(request, "/admin/announcements", error=error, notice=SAVED if row else "")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/announcements", list_page),
        routing.post("/admin/announcements", create),
        routing.get("/admin/announcements/{id}", edit_page),
        routing.post("/admin/announcements/{id}", save),
        routing.post("/admin/announcements/{id}/{verb}", act),
    ]
