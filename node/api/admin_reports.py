"""Admin reports, in the shape of Mastodon's admin API (Admin::Report).

Moderators list, assign, resolve and reopen reports; notes are an
extension (`POST /api/v1/admin/reports/:id/notes`; Mastodon keeps them in
its web interface), and so is forwarding a report about a remote account
to its node later (`POST /api/v1/admin/reports/:id/forward`; Mastodon
forwards only when the reporter asks). Every change is audited in its own transaction.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation import moderation_out
from federation.delivery import inbox_host
from federation.emit import EMITTER, after_commit
from federation.outbox import Plan
from node import routing
from node.api.admin_accounts import admin_accounts_by_id
from node.api.path_ids import id_param, path_id
from node.audit_log import audit
from node.auth import Auth, authenticated
from node.entities.status import render_statuses
from node.errors import not_found, unprocessable
from node.keys import DB, IDS
from node.pagination import read_limit
from node.params import read_params
from storage import accounts, reports, statuses
from storage.accounts import AccountRow
from storage.database import Writer
from storage.reports import NoteRow, ReportQuery, ReportRow

READ = ("admin:read", "admin:read:reports")
WRITE = ("admin:write", "admin:write:reports")


async def render_reports(app: web.Application, rows: list[ReportRow]) -> list[dict[str, Any]]:
    ids = [i for r in rows for i in (r.account_id, r.target_account_id, r.assigned_account_id,
                                      r.action_taken_by_account_id) if i]
    people = await admin_accounts_by_id(app, ids)
    out = []
    for row in rows:
        found = await statuses.get_statuses(app[DB], row.status_id_list)
        out.append({
            "id": str(row.id), "action_taken": row.action_taken_at is not None,
            "action_taken_at": row.action_taken_at, "category": row.category, "comment": row.comment,
            "forwarded": bool(row.forwarded), "created_at": row.created_at, "updated_at": row.updated_at,
            "account": people.get(row.account_id) if row.account_id else None,
            "target_account": people.get(row.target_account_id),
            "assigned_account": people.get(row.assigned_account_id) if row.assigned_account_id else None,
            "action_taken_by_account": people.get(row.action_taken_by_account_id)
            if row.action_taken_by_account_id else None,
            "statuses": await render_statuses(app, found, None),
            "rules": [{"id": r, "text": ""} for r in row.rule_id_list],
            "source": row.source,
        })
    return out


async def _report(request: web.Request) -> ReportRow:
    found = await reports.get_report(request.app[DB], path_id(request))
    if found is None:
        raise not_found()
    return found


async def _respond(request: web.Request, report_id: int) -> web.Response:
    row = await reports.get_report(request.app[DB], report_id)
    assert row is not None
    return web.json_response((await render_reports(request.app, [row]))[0])


def _flag(request: web.Request, name: str) -> bool | None:
    value = request.query.get(name, "").lower()
    return True if value in ("1", "true") else False if value in ("0", "false") else None


@authenticated(*READ, staff=True)
async def list_reports(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/admin/reports?resolved=&account_id=&target_account_id=&limit=&max_id="""
    q = request.query
    query = ReportQuery(resolved=bool(_flag(request, "resolved")), account_id=id_param(q.get("account_id")),
                        target_account_id=id_param(q.get("target_account_id")),
                        limit=read_limit(request, 100, 200), max_id=id_param(q.get("max_id")))
    rows = await reports.list_reports(request.app[DB], query)
    return web.json_response(await render_reports(request.app, rows))


@authenticated(*READ, staff=True)
async def show_report(request: web.Request, auth: Auth) -> web.Response:
    return await _respond(request, (await _report(request)).id)


VERBS = ("assign_to_self", "unassign", "resolve", "reopen")


async def change_report(app: web.Application, actor: AccountRow, report_id: int, verb: str) -> ReportRow:
    """Assign (to the actor), unassign, resolve or reopen a report, audited."""
    row = await reports.get_report(app[DB], report_id)
    if row is None:
        raise not_found()
    async with app[DB].write() as w:
        if verb == "assign_to_self":
            await reports.set_assignee(w, row.id, actor.id)
        elif verb == "unassign":
            await reports.set_assignee(w, row.id, None)
        else:
            await reports.set_resolved(w, row.id, actor.id if verb == "resolve" else None)
        await audit(w, actor, f"report.{verb}", ("report", row.id),
                    {"report_id": str(row.id), "target_account_id": str(row.target_account_id)})
    return row


def _change(verb: str) -> routing.Handler:
    @authenticated(*WRITE, staff=True)
    async def handler(request: web.Request, auth: Auth) -> web.Response:
        assert auth.account is not None
        row = await change_report(request.app, auth.account, path_id(request), verb)
        return await _respond(request, row.id)

    return handler


async def forward_report(app: web.Application, actor: AccountRow | Auth, report_id: int) -> ReportRow:
    """Send a report about a remote account to its node as a Flag from the
    instance actor (the reporter is never named), audited `report.forward`.
    422 when the account is local, the report went already, federation is
    off or the account's node is not permitted."""
    row = await reports.get_report(app[DB], report_id)
    if row is None:
        raise not_found()
    target = await accounts.get_account(app[DB], row.target_account_id)
    if target is None or target.local:
        raise unprocessable("Validation failed: only reports about remote accounts can be forwarded")
    if row.forwarded:
        raise unprocessable("Validation failed: the report was already forwarded")
    if app.get(EMITTER) is None:
        raise unprocessable("Validation failed: federation is off on this node")
    plan = await after_commit(app, moderation_out.report_forwarded, row.id, record_forward(actor, row))
    if not plan.inboxes:
        why = "; ".join(f"{host}: {reason}" for host, reason in plan.refused) or "no inbox to send it to"
        raise unprocessable(f"Validation failed: the report could not be forwarded ({why})")
    found = await reports.get_report(app[DB], row.id)
    assert found is not None
    return found


def record_forward(actor: AccountRow | Auth, row: ReportRow) -> moderation_out.Recorder:
    """The audit record of a forward, written with the report's `forwarded` mark."""
    async def record(w: Writer, plan: Plan) -> None:
        await audit(w, actor, "report.forward", ("report", row.id),
                    {"report_id": str(row.id), "target_account_id": str(row.target_account_id),
                     "inboxes": list(plan.inboxes), "hosts": sorted({inbox_host(i) for i in plan.inboxes})})
    return record


@authenticated(*WRITE, staff=True)
async def forward(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/admin/reports/:id/forward (an extension: Mastodon forwards only at creation)"""
    assert auth.account is not None
    row = await forward_report(request.app, auth.account, path_id(request))
    return await _respond(request, row.id)


def serialize_note(note: NoteRow) -> dict[str, Any]:
    return {"id": str(note.id), "report_id": str(note.report_id),
            "account_id": str(note.account_id) if note.account_id else None,
            "content": note.content, "created_at": note.created_at}


async def add_report_note(app: web.Application, actor: AccountRow, report_id: int, content: str) -> NoteRow:
    row = await reports.get_report(app[DB], report_id)
    if row is None:
        raise not_found()
    if not content.strip():
        raise unprocessable("Validation failed: content can't be blank")
    note_id = app[IDS].next_id()
    async with app[DB].write() as w:
        await reports.add_note(w, note_id, row.id, actor.id, content.strip()[:5000])
        await audit(w, actor, "report.note", ("report", row.id), {"report_id": str(row.id), "note_id": str(note_id)})
    notes = await reports.notes_of(app[DB], row.id)
    return next(n for n in notes if n.id == note_id)


@authenticated(*WRITE, staff=True)
async def add_note(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/admin/reports/:id/notes {content} (an extension)"""
    assert auth.account is not None
    report_id = (await _report(request)).id
    content = (await read_params(request)).str("content") or ""
    return web.json_response(serialize_note(await add_report_note(request.app, auth.account, report_id, content)))


@authenticated(*READ, staff=True)
async def list_notes(request: web.Request, auth: Auth) -> web.Response:
    row = await _report(request)
    return web.json_response([serialize_note(n) for n in await reports.notes_of(request.app[DB], row.id)])


def routes() -> list[web.RouteDef]:
    base = "/api/v1/admin/reports"
    return [
        routing.get(base, list_reports),
        routing.get(f"{base}/{{id}}", show_report),
        *[routing.post(f"{base}/{{id}}/{verb}", _change(verb))
          for verb in VERBS],
        routing.post(f"{base}/{{id}}/notes", add_note),
        routing.post(f"{base}/{{id}}/forward", forward),
        routing.get(f"{base}/{{id}}/notes", list_notes),
    ]
