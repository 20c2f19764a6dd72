"""Reports (article 13): list, show, assign to me, resolve, reopen, notes.

The changes go through `node.api.admin_reports` (`change_report`,
`add_report_note`), so the page and the admin API record the same audit
entries.
"""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import attempt, back, field, link, post_form, read_form, require_staff, show, table
from node.api.admin_reports import VERBS, add_report_note, change_report
from node.api.path_ids import id_param, path_id
from node.case_files import CaseFileError, escalate, export_case
from node.html import Markup, escape
from node.i18n import N_, _
from node.keys import CONFIG, DB, IDENTITY, IDS
from policy.identity.duties import actor_of
from storage import accounts, reports, statuses
from storage import case_files as case_store
from storage.reports import ReportQuery, ReportRow

PAGE = 50
VERB_NAMES = {"assign_to_self": N_("Assign to me"), "unassign": N_("Unassign"), "resolve": N_("Resolve"),
              "reopen": N_("Reopen")}
DONE = {"assign_to_self": N_("Report %(id)s assigned to you."), "unassign": N_("Report %(id)s unassigned."),
        "resolve": N_("Report %(id)s resolved."), "reopen": N_("Report %(id)s reopened.")}
CATEGORY_NAMES = {"spam": N_("Spam"), "legal": N_("Illegal content"), "violation": N_("Breaks the rules"),
                  "other": N_("Other")}
SOURCE_NAMES = {"api": N_("app"), "form": N_("public form"), "federation": N_("another server")}


def category_name(category: str) -> str:
    return _(CATEGORY_NAMES.get(category, category))


async def _names(request: web.Request, rows: list[ReportRow]) -> dict[int, str]:
    ids = {i for r in rows for i in (r.account_id, r.target_account_id, r.assigned_account_id) if i}
    found = await accounts.get_accounts(request.app[DB], list(ids))
    return {i: "@" + a.acct() for i, a in found.items()}


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/reports?resolved=1"""
    staff = await require_staff(request)
    resolved = request.query.get("resolved") == "1"
    rows = await reports.list_reports(request.app[DB], ReportQuery(resolved=resolved, limit=PAGE))
    names = await _names(request, rows)
    unresolved, resolved_label = escape(_("Unresolved")), escape(_("Resolved"))
    tabs = (f'<p><a href="/admin/reports">{unresolved}</a> '
            f'<a href="/admin/reports?resolved=1">{resolved_label}</a></p>')
    body = Markup(tabs + table((_("report"), _("target"), _("reporter"), _("category"), _("comment"), _("assigned"),
                                _("created")),
                               [(link(f"/admin/reports/{r.id}", r.id), names.get(r.target_account_id, ""),
                                 names.get(r.account_id or 0, _(SOURCE_NAMES.get(r.source, r.source))),
                                 category_name(r.category), r.comment[:200],
                                 names.get(r.assigned_account_id or 0, ""), r.created_at) for r in rows],
                               _("No reports.")))
    return await show(request, staff, _("Resolved reports") if resolved else _("Unresolved reports"), body)


def _actions(row: ReportRow, csrf: str) -> Markup:
    base = f"/admin/reports/{row.id}"
    verbs = ("assign_to_self", "unassign", "reopen" if row.action_taken_at else "resolve")
    return Markup("".join(post_form(f"{base}/{verb}", csrf, _(VERB_NAMES[verb])) for verb in verbs))


async def show_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/reports/{id}"""
    staff = await require_staff(request)
    db = request.app[DB]
    row = await reports.get_report(db, path_id(request))
    if row is None:
        raise sessions.error_page(request, 404, _("Not found"), _("No such report."))
    names = await _names(request, [row])
    found = await statuses.get_statuses(db, row.status_id_list)
    notes = await reports.notes_of(db, row.id)
    note_names = {i: "@" + a.acct() for i, a in
                  (await accounts.get_accounts(db, [n.account_id for n in notes if n.account_id])).items()}
    csrf = await sessions.csrf_token(request)
    body = html.render(
        "admin_report.html", id=row.id, category=category_name(row.category), comment=row.comment,
        source=_(SOURCE_NAMES.get(row.source, row.source)),
        target=names.get(row.target_account_id, ""), target_id=row.target_account_id,
        reporter=names.get(row.account_id or 0, _("(anonymous)")), created_at=row.created_at,
        assigned=names.get(row.assigned_account_id or 0, _("nobody")),
        state=_("resolved %(at)s", at=row.action_taken_at) if row.action_taken_at else _("unresolved"),
        statuses=table((_("status"), _("text"), _("state")), [(s.id, s.text, s.state) for s in found],
                       _("No statuses.")),
        notes=table((_("by"), _("note"), _("at")), [(note_names.get(n.account_id or 0, ""), n.content, n.created_at)
                                                    for n in notes], _("No notes.")),
        actions=_actions(row, csrf), csrf=csrf,
        escalation=html.render("admin_escalation.html", id=row.id, csrf=csrf, officer=staff.identity_officer,
                               moderates=staff.moderates, escalation=await case_store.escalation_of(db, row.id)))
    return await show(request, staff, _("Report %(id)s", id=row.id), body)


async def change(request: web.Request) -> web.StreamResponse:
    """POST /admin/reports/{id}/{verb}: assign_to_self, unassign, resolve, reopen."""
    staff, _form = await read_form(request)
    report_id, verb = path_id(request), request.match_info["verb"]
    if verb not in VERBS:
        raise sessions.error_page(request, 404, _("Not found"), _("No such action."))
    _row, error = await attempt(change_report(request.app, staff.account, report_id, verb))
    return back(request, f"/admin/reports/{report_id}", error=error, notice=_(DONE[verb], id=report_id))


async def note(request: web.Request) -> web.StreamResponse:
    """POST /admin/reports/{id}/notes"""
    staff, form = await read_form(request)
    report_id = path_id(request)
    _note, error = await attempt(add_report_note(request.app, staff.account, report_id, field(form, "content")))
    return back(request, f"/admin/reports/{report_id}", error=error, notice=_("Note added."))


async def escalate_page(request: web.Request) -> web.StreamResponse:
    """POST /admin/reports/{id}/escalate {reason}: article 7(8)."""
    staff, form = await read_form(request)
    report_id = path_id(request)
    actor = await actor_of(request.app[DB], staff.account.id)
    assert actor is not None
    try:
        await escalate(request.app[DB], request.app[IDS], actor, report_id, field(form, "reason"))
    except CaseFileError as exc:
        return back(request, f"/admin/reports/{report_id}", error=_(exc.message))
    return back(request, f"/admin/reports/{report_id}", notice=_("Report %(id)s escalated to the authorities.",
                                                                 id=report_id))


async def case_file_page(request: web.Request) -> web.StreamResponse:
    """POST /admin/reports/{id}/case_file {request_id}: the signed zip, as a download."""
    staff, form = await read_form(request)
    report_id = path_id(request)
    actor = await actor_of(request.app[DB], staff.account.id)
    assert actor is not None
    try:
        export = await export_case(request.app[CONFIG], request.app[DB], request.app[IDENTITY], request.app[IDS],
                                   actor, report_id, request_id=id_param(field(form, "request_id")))
    except CaseFileError as exc:
        return back(request, f"/admin/reports/{report_id}", error=_(exc.message))
    response = web.Response(body=export.data, content_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="case-{report_id}.zip"'})
    return sessions.finish(request, response)


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/reports", list_page),
        routing.get("/admin/reports/{id}", show_page),
        routing.post("/admin/reports/{id}/escalate", escalate_page),
        routing.post("/admin/reports/{id}/case_file", case_file_page),
        routing.post("/admin/reports/{id}/notes", note),
        routing.post("/admin/reports/{id}/{verb}", change),
    ]


