"""Reports (article 13): anyone may report an account or its statuses.

`create_report` is the one way in, for the client API, the public form
and inbound `Flag` activities (`source` api, form or federation).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from storage import notifications
from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.rows import to_row, to_rows

CATEGORIES = ("spam", "legal", "violation", "other")
SOURCES = ("api", "form", "federation")


@dataclass(frozen=True, slots=True)
class ReportRow:
    id: int
    account_id: int | None
    target_account_id: int
    status_ids: str
    rule_ids: str
    category: str
    comment: str
    forwarded: int
    source: str
    uri: str | None
    assigned_account_id: int | None
    action_taken_by_account_id: int | None
    action_taken_at: str | None
    created_at: str
    updated_at: str

    @property
    def status_id_list(self) -> list[int]:
        return [int(i) for i in json.loads(self.status_ids or "[]")]

    @property
    def rule_id_list(self) -> list[str]:
        return [str(i) for i in json.loads(self.rule_ids or "[]")]


@dataclass(frozen=True, slots=True)
class NoteRow:
    id: int
    report_id: int
    account_id: int | None
    content: str
    created_at: str


async def create_report(db: Database, ids: IdGenerator, *, reporter_account_id: int | None,
                        target_account_id: int, status_ids: Sequence[int], category: str, comment: str,
                        source: str, rule_ids: Sequence[str] = (), forwarded: bool = False,
                        uri: str | None = None) -> ReportRow:
    """Store a report; `category` and `source` must be known values."""
    if category not in CATEGORIES or source not in SOURCES:
        raise ValueError(f"unknown report category {category!r} or source {source!r}")
    report_id, now = ids.next_id(), now_iso()
    async with db.write() as w:
        await w.execute(
            "INSERT INTO reports (id, account_id, target_account_id, status_ids, rule_ids, category, comment,"
            " forwarded, source, uri, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (report_id, reporter_account_id, target_account_id, json.dumps([str(i) for i in status_ids]),
             json.dumps(list(rule_ids)), category, comment, int(forwarded), source, uri, now, now))
        await _notify_staff(w, ids, report_id, reporter_account_id, target_account_id)
    found = await get_report(db, report_id)
    assert found is not None
    return found


async def _notify_staff(w: Writer, ids: IdGenerator, report_id: int, reporter_id: int | None,
                        target_id: int) -> None:
    """An `admin.report` notification for every moderator and admin (as
    Mastodon), but not the reported account itself, nor a reporter about
    their own report; and none while another report on the same account is
    still open (staff are already on it). From the reporter, or, for the
    public form, which has none, from the reported account."""
    open_before = await w.fetchone(
        "SELECT 1 FROM reports WHERE target_account_id = ? AND id != ? AND action_taken_at IS NULL",
        (target_id, report_id))
    if open_before is not None:
        return
    await notifications.notify_staff(w, ids, reporter_id or target_id, "admin.report", exclude=[target_id],
                                     extra={"report_id": str(report_id)})


async def get_report(db: Database | Writer, report_id: int) -> ReportRow | None:
    return to_row(ReportRow, await db.fetchone("SELECT * FROM reports WHERE id = ?", (report_id,)))


@dataclass(frozen=True, slots=True)
class ReportQuery:
    resolved: bool | None = None
    account_id: int | None = None
    target_account_id: int | None = None
    limit: int = 100
    max_id: int | None = None


async def list_reports(db: Database, query: ReportQuery) -> list[ReportRow]:
    clauses, params = ["1 = 1"], []
    if query.resolved is not None:
        clauses.append("action_taken_at IS NOT NULL" if query.resolved else "action_taken_at IS NULL")
    for column, value in (("account_id", query.account_id), ("target_account_id", query.target_account_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if query.max_id is not None:
        clauses.append("id < ?")
        params.append(query.max_id)
    rows = await db.fetchall(f"SELECT * FROM reports WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT ?",
                             (*params, query.limit))
    return to_rows(ReportRow, rows)


async def set_assignee(w: Writer, report_id: int, account_id: int | None) -> None:
    await w.execute("UPDATE reports SET assigned_account_id = ?, updated_at = ? WHERE id = ?",
                    (account_id, now_iso(), report_id))


async def set_resolved(w: Writer, report_id: int, by_account_id: int | None) -> None:
    """Resolve (an account id) or reopen (None)."""
    at = now_iso() if by_account_id is not None else None
    await w.execute("UPDATE reports SET action_taken_at = ?, action_taken_by_account_id = ?, updated_at = ?"
                    " WHERE id = ?", (at, by_account_id, now_iso(), report_id))


async def set_forwarded(w: Writer, report_id: int, flag_uri: str) -> None:
    """A copy went to the reported account's node as a Flag (`flag_uri`, its id)."""
    await w.execute("UPDATE reports SET forwarded = 1, uri = coalesce(uri, ?), updated_at = ? WHERE id = ?",
                    (flag_uri, now_iso(), report_id))


async def add_note(w: Writer, note_id: int, report_id: int, account_id: int, content: str) -> None:
    await w.execute("INSERT INTO report_notes (id, report_id, account_id, content, created_at) VALUES (?,?,?,?,?)",
                    (note_id, report_id, account_id, content, now_iso()))


async def notes_of(db: Database, report_id: int) -> list[NoteRow]:
    return to_rows(NoteRow, await db.fetchall("SELECT * FROM report_notes WHERE report_id = ? ORDER BY id",
                                              (report_id,)))


async def claim_form_slot(db: Database, client_hash: str, since: str, limit: int) -> bool:
    """Count one public-form submission unless `limit` were already made
    since `since`; checked and counted in one transaction (several
    processes may serve the form). Older rows are dropped."""
    async with db.write() as w:
        await w.execute("DELETE FROM report_form_hits WHERE at <= ?", (since,))
        row = await w.fetchone("SELECT count(*) FROM report_form_hits WHERE client_hash = ?", (client_hash,))
        if row is not None and int(row[0]) >= limit:
            return False
        await w.execute("INSERT INTO report_form_hits (client_hash, at) VALUES (?, ?)", (client_hash, now_iso()))
    return True


async def screening_items_for(db: Database, account_id: int, status_ids: Sequence[int]) -> list[dict[str, object]]:
    """Screening queue items about a reported account or its reported statuses, for case files."""
    marks = ",".join("?" * len(status_ids)) or "NULL"
    rows = await db.fetchall(
        "SELECT id, kind, action, status_id, account_id, decision_json, policy_version, state, reason,"
        f" resolved_by, created_at, resolved_at FROM moderation_queue WHERE account_id = ? OR status_id IN ({marks})"
        " ORDER BY id", (account_id, *status_ids))
    return [dict(r) for r in rows]
