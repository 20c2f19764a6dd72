"""Identity reveals (articles 7(2), 7(4)): ask, approve or deny, reveal; identity officers.

The steps are `policy.identity.duties` through `node.api.admin_identity`,
as in the admin API and the command line: an identity officer asks with a
reason, a second staff member decides, the officer who asked reveals,
once. The revealed identity is shown on the answer to that POST only (no
redirect, no flash cookie, no-store), so it is never in a URL, a cookie
or a log. Admins give and take the identity officer grant on an
account's page; identity officers who are not moderators see this page
and no other.
"""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import Staff, back, field, post_form, read_form, require_admin, require_staff, show, table
from node.api.admin_identity import ask_or_reveal
from node.api.path_ids import id_param, path_id
from node.html import Markup, escape
from node.i18n import N_, _
from node.keys import CONFIG, DB, IDENTITY, IDS
from policy.identity.duties import RevealRefusedError, actor_of, decide_request, perform_reveal, set_identity_officer
from policy.identity.enrolment import Revealed
from storage import accounts
from storage import reveal_requests as store
from storage.reveal_requests import RevealRequest

STATE_NAMES = {"pending": N_("waiting for approval"), "approved": N_("approved"), "denied": N_("denied"),
               "revealed": N_("revealed")}
REFUSALS = {
    "not_identity_officer": N_("Only an identity officer may ask to reveal a legal identity."),
    "reason_required": N_("A reason is required to reveal an identity."),
    "no_identity": N_("This account has no verified identity."),
    "not_found": N_("No such reveal request."),
    "not_staff": N_("Only staff may approve a reveal."),
    "same_person": N_("A reveal must be approved by someone other than the person who asked for it."),
    "not_pending": N_("This reveal request was already decided."),
    "not_requester": N_("Only the identity officer who asked may reveal."),
    "not_approved": N_("This reveal request is not approved, or was already used."),
}


def refusal_text(exc: RevealRefusedError) -> str:
    return _(REFUSALS.get(exc.code, exc.message))


async def _names(request: web.Request, rows: list[RevealRequest]) -> dict[int, str]:
    ids = {i for r in rows for i in (r.account_id, r.requested_by, r.decided_by) if i}
    return {i: "@" + a.acct() for i, a in (await accounts.get_accounts(request.app[DB], list(ids))).items()}


def _actions(row: RevealRequest, staff: Staff, csrf: str) -> Markup:
    base = f"/admin/identity/requests/{row.id}"
    if row.state == "pending" and staff.account.id != row.requested_by:
        label = escape(_("note"))
        note = Markup(f'<input type="text" name="note" aria-label="{label}">')
        return Markup(post_form(f"{base}/approve", csrf, _("Approve"), note) + post_form(f"{base}/deny", csrf,
                                                                                        _("Deny"), note))
    if row.state == "approved" and staff.account.id == row.requested_by:
        return post_form(f"{base}/reveal", csrf, _("Reveal now"))
    return Markup("")


async def identity_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/identity?account=&report_id="""
    staff = await require_staff(request, officers_too=True)
    db = request.app[DB]
    rows = await store.list_requests(db, limit=100)
    names, csrf = await _names(request, rows), await sessions.csrf_token(request)
    listing = table((_("request"), _("account"), _("reason"), _("report"), _("asked by"), _("state"),
                     _("decided by"), _("at"), ""),
                    [(r.id, names.get(r.account_id, r.account_id), r.reason, r.report_id or "",
                      names.get(r.requested_by, ""), _(STATE_NAMES[r.state]),
                      names.get(r.decided_by or 0, "") + (f" ({r.decision_note})" if r.decision_note else ""),
                      r.created_at, _actions(r, staff, csrf)) for r in rows], _("No reveal requests."))
    officers = await accounts.get_accounts(db, await store.holders(db))
    body = html.render("admin_identity.html", requests=listing, officer=staff.identity_officer, csrf=csrf,
                       account=request.query.get("account", ""), report_id=request.query.get("report_id", ""),
                       needs_approval=request.app[CONFIG].identity.reveal_needs_approval,
                       officers=", ".join("@" + a.username for a in officers.values()) or _("nobody"))
    return await show(request, staff, _("Identity reveals"), body)


async def _account_id(request: web.Request, named: str) -> int | None:
    found = await accounts.find_local_account(request.app[DB], named.lstrip("@"))
    return found.id if found is not None else id_param(named)


def _revealed(found: Revealed, request_id: int) -> Markup:
    return html.render("admin_identity_revealed.html", request_id=request_id, account=found.account_id,
                       authority=found.authority, kind=found.kind, verified_at=found.verified_at,
                       name=found.name or "-", id_number=found.id_number or "-")


async def _show_revealed(request: web.Request, staff: Staff, found: Revealed, request_id: int) -> web.StreamResponse:
    response = await show(request, staff, _("Revealed identity"), _revealed(found, request_id))
    response.headers["Cache-Control"] = "no-store"
    return response


async def ask(request: web.Request) -> web.StreamResponse:
    """POST /admin/identity/requests: account, reason, report_id."""
    staff, form = await read_form(request, officers_too=True)
    account_id = await _account_id(request, field(form, "account"))
    actor = await actor_of(request.app[DB], staff.account.id)
    if account_id is None or actor is None:
        return back(request, "/admin/identity", error=_("No such account."))
    try:
        row, found = await ask_or_reveal(request.app, actor, account_id, field(form, "reason"),
                                         id_param(field(form, "report_id")), None)
    except RevealRefusedError as exc:
        return back(request, "/admin/identity", error=refusal_text(exc))
    if found is not None:
        return await _show_revealed(request, staff, found, row.id)
    return back(request, "/admin/identity", notice=_("Request %(id)s waits for a second staff member.", id=row.id))


async def act(request: web.Request) -> web.StreamResponse:
    """POST /admin/identity/requests/{id}/{approve|deny|reveal}"""
    staff, form = await read_form(request, officers_too=True)
    request_id, verb = path_id(request), request.match_info["verb"]
    actor = await actor_of(request.app[DB], staff.account.id)
    assert actor is not None
    try:
        if verb == "reveal":
            found = await perform_reveal(request.app[DB], request.app[IDENTITY], request.app[IDS], actor, request_id)
            return await _show_revealed(request, staff, found, request_id)
        if verb not in ("approve", "deny"):
            raise sessions.error_page(request, 404, _("Not found"), _("No such action."))
        row = await decide_request(request.app[DB], actor, request_id, approve=verb == "approve",
                                   note=field(form, "note"))
    except RevealRefusedError as exc:
        return back(request, "/admin/identity", error=refusal_text(exc))
    return back(request, "/admin/identity", notice=_("Request %(id)s: %(state)s.", id=row.id,
                                                     state=_(STATE_NAMES[row.state])))


async def account_extras(request: web.Request, staff: Staff, account_id: int, csrf: str) -> Markup:
    """On an account's admin page: the grant (admins change it) and a way to ask for a reveal."""
    officer = await store.has_grant(request.app[DB], account_id)
    state = _("This account is an identity officer.") if officer else _("This account is not an identity officer.")
    heading = escape(_("Identity"))
    parts = [f"<h2>{heading}</h2><p>{escape(state)}</p>"]
    if staff.is_admin:
        verb, label = ("revoke", _("Take away the identity officer grant")) if officer else (
            "grant", _("Make this account an identity officer"))
        parts.append(post_form(f"/admin/accounts/{account_id}/identity_officer/{verb}", csrf, label))
    if staff.identity_officer:
        ask_label = escape(_("Ask to reveal this account’s legal identity"))
        parts.append(f'<p><a href="/admin/identity?account={account_id}">{ask_label}</a></p>')
    return Markup("".join(parts))


async def grant(request: web.Request) -> web.StreamResponse:
    """POST /admin/accounts/{id}/identity_officer/{grant|revoke} (admins)"""
    staff, _form = await read_form(request)
    require_admin(request, staff)
    account_id, verb = path_id(request), request.match_info["verb"]
    if verb not in ("grant", "revoke") or await accounts.get_user(request.app[DB], account_id) is None:
        raise sessions.error_page(request, 404, _("Not found"), _("No such account."))
    changed = await set_identity_officer(request.app[DB], account_id, verb == "grant", by=staff.account.acct())
    notice = _("Identity officer grant given.") if verb == "grant" else _("Identity officer grant taken away.")
    return back(request, f"/admin/accounts/{account_id}", notice=notice if changed else _("Nothing changed."))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/identity", identity_page),
        routing.post("/admin/identity/requests", ask),
        routing.post("/admin/identity/requests/{id}/{verb}", act),
        routing.post("/admin/accounts/{id}/identity_officer/{verb}", grant),
    ]
