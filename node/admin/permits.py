"""The permit registry (article 7(6)): list, add, suspend, revoke, activate, remove.

Staff may look; only admins change the registry, as in the admin API,
whose functions (`node.api.admin_permits`) do the change, its effects on
the peer's follows and deliveries, and the audit record.
"""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import (Staff, attempt, back, field, params_of, post_form, read_form, require_admin,
                               require_staff, show, table)
from node.api.admin_permits import STATUS_VERBS, remove_permit, save_permit, set_permit_status
from node.api.path_ids import path_id
from node.html import Markup, escape
from node.i18n import N_, _
from node.keys import DB
from storage import permits as store
from storage.permits import PermitRow

VERB_NAMES = {"suspend": N_("Suspend"), "revoke": N_("Revoke"), "activate": N_("Activate")}
STATUS_NAMES = {"active": N_("active"), "suspended": N_("suspended"), "revoked": N_("revoked")}


def status_name(status: str) -> str:
    return _(STATUS_NAMES.get(status, status))


def _row_actions(row: PermitRow, staff: Staff, csrf: str) -> Markup:
    if not staff.is_admin:
        return Markup("")
    label = escape(_("note"))
    note = Markup(f'<input type="text" name="note" placeholder="{label}" aria-label="{label}">')
    forms = [post_form(f"/admin/permits/{row.id}/{verb}", csrf, _(VERB_NAMES[verb]), note)
             for verb, status in STATUS_VERBS.items() if status != row.status]
    forms.append(post_form(f"/admin/permits/{row.id}/remove", csrf, _("Remove")))
    return Markup("".join(forms))


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/permits"""
    staff = await require_staff(request)
    rows = await store.list_permits(request.app[DB])
    csrf = await sessions.csrf_token(request)
    listing = table((_("domain"), _("number"), _("kind"), _("holder"), _("status"), _("valid until"), _("note"), ""),
                    [(r.host, r.number, r.kind, r.holder, status_name(r.status), r.valid_until or "", r.note,
                      _row_actions(r, staff, csrf)) for r in rows], _("No permitted peers."))
    add = html.render("admin_permit_form.html", csrf=csrf) if staff.is_admin else Markup("")
    return await show(request, staff, _("Permits"), Markup(listing + add))


async def add(request: web.Request) -> web.StreamResponse:
    """POST /admin/permits: domain, number, kind, valid_until, holder, note."""
    staff, form = await read_form(request)
    require_admin(request, staff)
    row, error = await attempt(save_permit(request.app, staff.account, params_of(form)))
    return back(request, "/admin/permits", error=error,
                notice=_("Permit for %(host)s saved.", host=row.host) if row else "")


async def change(request: web.Request) -> web.StreamResponse:
    """POST /admin/permits/{id}/{suspend|revoke|activate|remove}"""
    staff, form = await read_form(request)
    require_admin(request, staff)
    permit_id, verb = path_id(request), request.match_info["verb"]
    if verb == "remove":
        _result, error = await attempt(remove_permit(request.app, staff.account, permit_id))
        return back(request, "/admin/permits", error=error, notice=_("Permit removed."))
    if verb not in STATUS_VERBS:
        raise sessions.error_page(request, 404, _("Not found"), _("No such action."))
    row, error = await attempt(set_permit_status(request.app, staff.account, permit_id, STATUS_VERBS[verb],
                                                 field(form, "note") or None))
    return back(request, "/admin/permits", error=error,
                notice=_("Permit for %(host)s is now %(status)s.", host=row.host, status=status_name(row.status))
                if row else "")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/permits", list_page),
        routing.post("/admin/permits", add),
        routing.post("/admin/permits/{id}/{verb}", change),
    ]
