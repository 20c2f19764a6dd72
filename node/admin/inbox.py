"""Inbox dead letters (issue #14): rows whose processing failed, with
their error; an admin puts one back in the queue. Calls the admin API's
own functions (`node.api.admin_inbox`); the page's words are in its
template (`admin_inbox.html`) and the catalog (`node.i18n`)."""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import attempt, back, read_form, require_admin, require_staff, show
from node.api.admin_inbox import dead_letters, retry_dead_letter, serialize_dead_letter
from node.api.path_ids import id_param, path_id
from node.i18n import _

PAGE = 50


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/inbox"""
    staff = await require_staff(request)
    rows = await dead_letters(request.app, PAGE, id_param(request.query.get("max_id")))
    body = html.render("admin_inbox.html", rows=[serialize_dead_letter(row) for row in rows],
                       can_retry=staff.is_admin, csrf=await sessions.csrf_token(request),
                       older=rows[-1].id if len(rows) == PAGE else None)
    return await show(request, staff, _("Inbox"), body)


async def retry(request: web.Request) -> web.StreamResponse:
    """POST /admin/inbox/{id}/retry (admins)"""
    staff, _form = await read_form(request)
    require_admin(request, staff)
    row_id = path_id(request)
    _done, error = await attempt(retry_dead_letter(request.app, staff.account, row_id))
    if error:
        return back(request, "/admin/inbox", error=_("Row %(id)s is not a failed row.", id=row_id))
    return back(request, "/admin/inbox", notice=_("Row %(id)s is back in the queue.", id=row_id))


def routes() -> list[web.RouteDef]:
    return [routing.get("/admin/inbox", list_page), routing.post("/admin/inbox/{id}/retry", retry)]
