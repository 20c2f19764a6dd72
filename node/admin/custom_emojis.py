"""Custom emoji (`/admin/custom_emojis`): list, upload (multipart), enable
or disable, list in or hide from the picker, delete. Each action is the
admin API's own function (`node.api.custom_emojis`): the same checks
(`node.custom_emoji_files`), audit records and profile refreshes. Every
visible string is in the templates (`admin_custom_emoji*.html`); state
and button labels are the lines of `admin_custom_emoji_states.html`.
"""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import attempt, back, read_form, require_staff, show
from node.api.custom_emojis import local_emoji, remove_emoji, update_emoji, upload_emoji, upload_of
from node.api.path_ids import path_id
from node.html import Markup
from node.keys import CONFIG, DB
from storage import custom_emojis

ENABLED, DISABLED, DISABLE, ENABLE, HIDDEN, HIDE, LIST, TITLE = range(8)
DONE = "已保存。 / Saved."
VERBS = ("enable", "disable", "show", "hide", "delete")


def _labels() -> list[str]:
    return [line.strip() for line in html.render("admin_custom_emoji_states.html").splitlines() if line.strip()]


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/custom_emojis"""
    staff = await require_staff(request)
    rows = await custom_emojis.list_local(request.app[DB], enabled_only=False)
    csrf, labels, base = await sessions.csrf_token(request), _labels(), request.app[CONFIG].node.base_url
    body = Markup("".join(html.render(
        "admin_custom_emoji_row.html", id=r.id, csrf=csrf, url=custom_emojis.entity(r, base)["url"],
        shortcode=r.shortcode, category=r.category or "",
        state=labels[DISABLED if r.disabled else ENABLED] + ("" if r.visible_in_picker else f", {labels[HIDDEN]}"),
        toggle="enable" if r.disabled else "disable", toggle_label=labels[ENABLE if r.disabled else DISABLE],
        picker="hide" if r.visible_in_picker else "show", picker_label=labels[HIDE if r.visible_in_picker else LIST])
        for r in rows))
    page = html.render("admin_custom_emojis.html", rows=body, csrf=csrf,
                       empty=Markup("") if rows else html.render("admin_custom_emojis_empty.html"))
    return await show(request, staff, labels[TITLE], page)


async def upload(request: web.Request) -> web.StreamResponse:
    """POST /admin/custom_emojis: shortcode, file, category, visible_in_picker."""
    staff, form = await read_form(request)
    sent = form.get("file")
    data = sent.file.read() if isinstance(sent, web.FileField) else b""
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    fields.setdefault("visible_in_picker", "")
    row, error = await attempt(upload_emoji(request.app, staff.account, upload_of(fields, data)))
    return back(request, "/admin/custom_emojis", error=error, notice=DONE if row else "")


async def act(request: web.Request) -> web.StreamResponse:
    """POST /admin/custom_emojis/{id}/{enable|disable|show|hide|delete}"""
    staff, _form = await read_form(request)
    verb = request.match_info["verb"]
    if verb not in VERBS:
        raise sessions.error_page(request, 404, "Not found", "No such action.")
    emoji_id, app = path_id(request), request.app
    if verb == "delete":
        _, error = await attempt(remove_emoji(app, staff.account, emoji_id))
        return back(request, "/admin/custom_emojis", error=error, notice="" if error else DONE)
    row, error = await attempt(local_emoji(app, emoji_id))
    if row is not None:
        disabled = {"enable": False, "disable": True}.get(verb, bool(row.disabled))
        visible = {"show": True, "hide": False}.get(verb, bool(row.visible_in_picker))
        row, error = await attempt(update_emoji(app, staff.account, row.id, category=row.category,
                                                visible=visible, disabled=disabled))
    return back(request, "/admin/custom_emojis", error=error, notice=DONE if row else "")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/custom_emojis", list_page),
        routing.post("/admin/custom_emojis", upload),
        routing.post("/admin/custom_emojis/{id}/{verb}", act),
    ]
