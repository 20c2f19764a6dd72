"""Custom emoji (`/admin/custom_emojis`): list, upload (multipart), enable
or disable, list in or hide from the picker, delete. Each action is the
admin API's own function (`node.api.custom_emojis`): the same checks
(`node.custom_emoji_files`), audit records and profile refreshes. The
page's words are in its template (`admin_custom_emojis.html`) and the
catalog, like every page's (`node.i18n`).
"""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import attempt, back, read_form, require_staff, show
from node.api.custom_emojis import local_emoji, remove_emoji, update_emoji, upload_emoji, upload_of
from node.api.path_ids import path_id
from node.custom_emoji_files import MAX_BYTES
from node.i18n import N_, _
from node.keys import CONFIG, DB
from storage import custom_emojis

DONE = N_("Saved.")
VERBS = ("enable", "disable", "show", "hide", "delete")


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/custom_emojis"""
    staff = await require_staff(request)
    rows = await custom_emojis.list_local(request.app[DB], enabled_only=False)
    csrf, base = await sessions.csrf_token(request), request.app[CONFIG].node.base_url
    listed = [{"id": r.id, "url": custom_emojis.entity(r, base)["url"], "shortcode": r.shortcode,
               "category": r.category or "", "disabled": bool(r.disabled),
               "visible_in_picker": bool(r.visible_in_picker)} for r in rows]
    page = html.render("admin_custom_emojis.html", rows=listed, csrf=csrf, max_kb=MAX_BYTES // 1024)
    return await show(request, staff, _("Custom emoji"), page)


async def upload(request: web.Request) -> web.StreamResponse:
    """POST /admin/custom_emojis: shortcode, file, category, visible_in_picker."""
    staff, form = await read_form(request)
    sent = form.get("file")
    data = sent.file.read() if isinstance(sent, web.FileField) else b""
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    fields.setdefault("visible_in_picker", "")
    row, error = await attempt(upload_emoji(request.app, staff.account, upload_of(fields, data)))
    return back(request, "/admin/custom_emojis", error=error, notice=_(DONE) if row else "")


async def act(request: web.Request) -> web.StreamResponse:
    """POST /admin/custom_emojis/{id}/{enable|disable|show|hide|delete}"""
    staff, _form = await read_form(request)
    verb = request.match_info["verb"]
    if verb not in VERBS:
        raise sessions.error_page(request, 404, _("Not found"), _("No such action."))
    emoji_id, app = path_id(request), request.app
    if verb == "delete":
        _removed, error = await attempt(remove_emoji(app, staff.account, emoji_id))
        return back(request, "/admin/custom_emojis", error=error, notice="" if error else _(DONE))
    row, error = await attempt(local_emoji(app, emoji_id))
    if row is not None:
        disabled = {"enable": False, "disable": True}.get(verb, bool(row.disabled))
        visible = {"show": True, "hide": False}.get(verb, bool(row.visible_in_picker))
        row, error = await attempt(update_emoji(app, staff.account, row.id, category=row.category,
                                                visible=visible, disabled=disabled))
    return back(request, "/admin/custom_emojis", error=error, notice=_(DONE) if row else "")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/custom_emojis", list_page),
        routing.post("/admin/custom_emojis", upload),
        routing.post("/admin/custom_emojis/{id}/{verb}", act),
    ]
