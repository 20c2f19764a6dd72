"""The mail queue (issue #16), for admins: messages waiting or dead, with
their last error, and a dead one put back in the queue once the cause is
fixed. Neither the address nor the body is shown: the address is
personal data and the body carries a secret link; the account is named
instead, as the `mail queue` command does. The page's words are in its
template (`admin_mail.html`) and the catalog (`node.i18n`)."""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import back, read_form, require_admin, require_staff, show
from node.api.path_ids import path_id
from node.audit_log import audit
from node.i18n import N_, _
from node.keys import DB
from storage import accounts, mail_outbox

KINDS = {"password_reset": N_("password reset"), "confirm_sign_up": N_("sign-up confirmation"),
         "confirm_change": N_("address change")}
STATES = {"queued": N_("waiting"), "in_flight": N_("being sent"), "dead": N_("dead")}


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/mail (admins)"""
    staff = await require_staff(request)
    require_admin(request, staff)
    rows = await mail_outbox.list_rows(request.app[DB])
    owners = await accounts.get_accounts(request.app[DB], [r.account_id for r in rows if r.account_id])
    shown = [{"id": r.id, "kind": _(KINDS.get(r.kind, r.kind)), "state": _(STATES.get(r.state, r.state)),
              "dead": r.state == "dead", "attempts": r.attempts, "next": r.next_attempt_at,
              "error": r.last_error, "created": r.created_at,
              "account": owners[r.account_id].username if r.account_id in owners else ""} for r in rows]
    body = html.render("admin_mail.html", rows=shown, csrf=await sessions.csrf_token(request))
    return await show(request, staff, _("Mail"), body)


async def retry(request: web.Request) -> web.StreamResponse:
    """POST /admin/mail/{id}/retry (admins): a dead message goes back in the queue (audited)."""
    staff, _form = await read_form(request)
    require_admin(request, staff)
    mail_id = path_id(request)
    row = await mail_outbox.retry_dead(request.app[DB], mail_id)
    if row is None:
        return back(request, "/admin/mail", error=_("Message %(id)s is not a dead message.", id=mail_id))
    await audit(request.app, staff.account, "mail.retry", ("mail", str(mail_id)),
                {"kind": row.kind, "error": row.last_error})
    return back(request, "/admin/mail", notice=_("Message %(id)s is back in the queue.", id=mail_id))


def routes() -> list[web.RouteDef]:
    return [routing.get("/admin/mail", list_page), routing.post("/admin/mail/{id}/retry", retry)]
