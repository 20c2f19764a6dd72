"""False information (article 7(5)): list corrections, mark a status false.

A status is named by its id or by its address (ActivityPub id or web
page, local or remote); marking calls `node.api.corrections.mark_false`,
the admin API's own, so readers get the same `warn` filter result and the
official account the same correction post.
"""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import attempt, back, field, link, read_form, require_staff, show, table
from node.api.corrections import mark_false, markable_status, serialize_correction
from node.api.path_ids import id_param
from node.html import Markup, escape
from node.i18n import _
from node.keys import CONFIG, DB
from storage import corrections, statuses
from storage.search import ids_at_url

PAGE = 50


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/corrections"""
    staff = await require_staff(request)
    db = request.app[DB]
    rows = await corrections.list_corrections(db, PAGE)
    originals = {s.id: s for s in await statuses.get_statuses(db, [r.status_id for r in rows])}
    base = request.app[CONFIG].node.base_url
    items = [serialize_correction(r, originals.get(r.status_id), base) for r in rows]
    listing = table((_("status"), _("correction"), _("source"), _("marked")),
                    [(link(i["status_url"] or "", i["status_url"] or i["status_id"]), i["text"],
                      link(i["source_url"], i["source_url"]) if i["source_url"] else "", i["created_at"])
                     for i in items], _("No corrections yet."))
    form = html.render("admin_correction_form.html", csrf=await sessions.csrf_token(request))
    heading = Markup("<h2>" + escape(_("Published corrections")) + "</h2>")
    return await show(request, staff, _("Corrections"), Markup(form + heading + listing))


async def _status_id(request: web.Request, named: str) -> int | None:
    """An id, or the status whose ActivityPub id or page is this address."""
    if named.startswith(("http://", "https://")):
        _kind, found = await ids_at_url(request.app[DB], named)
        return found[0] if found else None
    return id_param(named)


async def mark(request: web.Request) -> web.StreamResponse:
    """POST /admin/corrections: status (id or URL), text, source_url."""
    staff, form = await read_form(request)
    status_id = await _status_id(request, field(form, "status"))
    if status_id is None:
        return back(request, "/admin/corrections", error=_("No status with that id or address on this node."))
    original, error = await attempt(markable_status(request.app, status_id))
    if original is not None:
        _result, error = await attempt(mark_false(request.app, staff.account, original, field(form, "text"),
                                            field(form, "source_url")))
    return back(request, "/admin/corrections", error=error,
                notice=_("Status %(id)s marked as false information; the correction is published.", id=status_id))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/corrections", list_page),
        routing.post("/admin/corrections", mark),
    ]
