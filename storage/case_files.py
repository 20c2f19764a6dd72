"""Escalated reports and exported case files (article 7(8)), and the audit trail of a report."""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.audit import AuditRow
from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import to_row, to_rows


@dataclass(frozen=True, slots=True)
class Escalation:
    id: int
    report_id: int
    escalated_by: int | None
    reason: str
    created_at: str


async def escalate(w: Writer, escalation_id: int, report_id: int, by: int, reason: str) -> bool:
    """False if the report was escalated before."""
    return await w.rowcount(
        "INSERT INTO case_escalations (id, report_id, escalated_by, reason, created_at) VALUES (?,?,?,?,?)"
        " ON CONFLICT (report_id) DO NOTHING", (escalation_id, report_id, by, reason, now_iso())) == 1


async def escalation_of(db: Database, report_id: int) -> Escalation | None:
    return to_row(Escalation, await db.fetchone("SELECT * FROM case_escalations WHERE report_id = ?", (report_id,)))


async def record_export(w: Writer, export_id: int, report_id: int, by: str, with_identity: bool,
                        manifest_sha256: str) -> None:
    await w.execute(
        "INSERT INTO case_exports (id, report_id, exported_by, with_identity, manifest_sha256, created_at)"
        " VALUES (?,?,?,?,?,?)", (export_id, report_id, by, int(with_identity), manifest_sha256, now_iso()))


async def count_between(db: Database, table: str, since: str, until: str) -> int:
    assert table in ("case_escalations", "case_exports")
    return int(await db.fetchval(f"SELECT count(*) FROM {table} WHERE created_at >= ? AND created_at < ?",
                                 (since, until)) or 0)


async def trail(db: Database, report_id: int, account_id: int, status_ids: list[int]) -> list[AuditRow]:
    """Audit records about the report, its target account or statuses, or naming the report in their details.

    Details are JSON text; the LIKE only narrows, the parse decides
    (portable: no JSON functions in SQL)."""
    targets = [("report", str(report_id)), ("account", str(account_id))] + [("status", str(i)) for i in status_ids]
    where = " OR ".join("(target_type = ? AND target_id = ?)" for _ in targets)
    rows = to_rows(AuditRow, await db.fetchall(
        f"SELECT * FROM audit_log WHERE {where} OR details_json LIKE ? ORDER BY id",
        (*[v for pair in targets for v in pair], f'%"report_id":%{report_id}%')))
    return [r for r in rows if (r.target_type, r.target_id) in targets or _names_report(r.details_json, report_id)]


def _names_report(details_json: str, report_id: int) -> bool:
    try:
        value = json.loads(details_json).get("report_id")
    except (ValueError, AttributeError):
        return False
    return str(value) == str(report_id)
