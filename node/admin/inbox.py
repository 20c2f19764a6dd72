"""Inbox dead letters (issue #14): rows whose processing failed, with
their error; an admin puts one back in the queue. Calls the admin API's
own functions (`node.api.admin_inbox`); the page's words are in its
templates (`admin_inbox.html`, `admin_inbox_row.html`)."""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import attempt, back, link, post_form, read_form, require_admin, require_staff, show
from node.api.admin_inbox import dead_letters, retry_dead_letter, serialize_dead_letter
from node.api.path_ids import id_param, path_id
from node.html import Markup

PAGE = 50


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/inbox"""
    staff = await require_staff(request)
    rows = await dead_letters(request.app, PAGE, id_param(request.query.get("max_id")))
    csrf = await sessions.csrf_token(request)
    cells = []
    for row in rows:
        item = serialize_dead_letter(row)
        button = post_form(f"/admin/inbox/{row.id}/retry", csrf, "Retry") if staff.is_admin else Markup("")
        cells.append(html.render("admin_inbox_row.html", retry=button, **{
            k: item[k] for k in ("id", "type", "actor", "received_at", "attempts", "error", "activity_id", "body")}))
    more = link(f"/admin/inbox?max_id={rows[-1].id}", "Older") if len(rows) == PAGE else Markup("")
    body = html.render("admin_inbox.html", count=len(rows), rows=Markup("".join(cells)), more=more)
    return await show(request, staff, "Inbox", body)


async def retry(request: web.Request) -> web.StreamResponse:
    """POST /admin/inbox/{id}/retry (admins)"""
    staff, _form = await read_form(request)
    require_admin(request, staff)
    row_id = path_id(request)
    _, error = await attempt(retry_dead_letter(request.app, staff.account, row_id))
    return back(request, "/admin/inbox", error=error and f"Row {row_id} is not a failed row.",
                notice=f"Row {row_id} is back in the queue.")


def routes() -> list[web.RouteDef]:
    return [routing.get("/admin/inbox", list_page), routing.post("/admin/inbox/{id}/retry", retry)]
