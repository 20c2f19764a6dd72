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
from node.api.path_ids import path_id
from node.html import Markup
from node.keys import DB
from storage import accounts, reports, statuses
from storage.reports import ReportQuery, ReportRow

PAGE = 50


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
    body = Markup('<p><a href="/admin/reports">Unresolved</a> <a href="/admin/reports?resolved=1">Resolved</a></p>'
                  + table(("report", "target", "reporter", "category", "comment", "assigned", "created"),
                          [(link(f"/admin/reports/{r.id}", r.id), names.get(r.target_account_id, ""),
                            names.get(r.account_id or 0, r.source), r.category, r.comment[:200],
                            names.get(r.assigned_account_id or 0, ""), r.created_at) for r in rows],
                          "No reports."))
    return await show(request, staff, "Resolved reports" if resolved else "Unresolved reports", body)


def _actions(row: ReportRow, csrf: str) -> Markup:
    base = f"/admin/reports/{row.id}"
    verbs = [("assign_to_self", "Assign to me"), ("unassign", "Unassign"),
             ("reopen" if row.action_taken_at else "resolve", "Reopen" if row.action_taken_at else "Resolve")]
    return Markup("".join(post_form(f"{base}/{verb}", csrf, label) for verb, label in verbs))


async def show_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/reports/{id}"""
    staff = await require_staff(request)
    db = request.app[DB]
    row = await reports.get_report(db, path_id(request))
    if row is None:
        raise sessions.error_page(request, 404, "Not found", "No such report.")
    names = await _names(request, [row])
    found = await statuses.get_statuses(db, row.status_id_list)
    notes = await reports.notes_of(db, row.id)
    note_names = {i: "@" + a.acct() for i, a in
                  (await accounts.get_accounts(db, [n.account_id for n in notes if n.account_id])).items()}
    csrf = await sessions.csrf_token(request)
    body = html.render(
        "admin_report.html", id=row.id, category=row.category, comment=row.comment, source=row.source,
        target=names.get(row.target_account_id, ""), target_id=row.target_account_id,
        reporter=names.get(row.account_id or 0, "(anonymous)"), created_at=row.created_at,
        assigned=names.get(row.assigned_account_id or 0, "nobody"),
        state=f"resolved {row.action_taken_at}" if row.action_taken_at else "unresolved",
        statuses=table(("status", "text", "state"), [(s.id, s.text, s.state) for s in found], "No statuses."),
        notes=table(("by", "note", "at"), [(note_names.get(n.account_id or 0, ""), n.content, n.created_at)
                                           for n in notes], "No notes."),
        actions=_actions(row, csrf), csrf=csrf)
    return await show(request, staff, f"Report {row.id}", body)


async def change(request: web.Request) -> web.StreamResponse:
    """POST /admin/reports/{id}/{verb}: assign_to_self, unassign, resolve, reopen."""
    staff, _ = await read_form(request)
    report_id, verb = path_id(request), request.match_info["verb"]
    if verb not in VERBS:
        raise sessions.error_page(request, 404, "Not found", "No such action.")
    _, error = await attempt(change_report(request.app, staff.account, report_id, verb))
    label = {"assign_to_self": "assigned to you", "unassign": "unassigned", "resolve": "resolved",
             "reopen": "reopened"}[verb]
    return back(request, f"/admin/reports/{report_id}", error=error, notice=f"Report {report_id} {label}.")


async def note(request: web.Request) -> web.StreamResponse:
    """POST /admin/reports/{id}/notes"""
    staff, form = await read_form(request)
    report_id = path_id(request)
    _, error = await attempt(add_report_note(request.app, staff.account, report_id, field(form, "content")))
    return back(request, f"/admin/reports/{report_id}", error=error, notice="Note added.")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/reports", list_page),
        routing.get("/admin/reports/{id}", show_page),
        routing.post("/admin/reports/{id}/notes", note),
        routing.post("/admin/reports/{id}/{verb}", change),
    ]


