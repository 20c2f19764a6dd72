"""The audit log's rows: append and read, never update or delete.

The hash chain itself is computed in `policy.audit`; this module only
stores what it is given, inside the caller's write transaction.
"""

from __future__ import annotations

import json

from collections.abc import AsyncIterator
from dataclasses import dataclass

from storage.database import Database, Writer
from storage.rows import to_row, to_rows


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    target_type: str
    target_id: str
    details_json: str
    prev_hash: str
    hash: str


async def last_entry(w: Writer) -> AuditRow | None:
    """The newest record, read inside the write transaction that appends."""
    return to_row(AuditRow, await w.fetchone("SELECT * FROM audit_log ORDER BY id DESC LIMIT 1"))


async def insert_entry(w: Writer, row: AuditRow) -> None:
    await w.execute(
        "INSERT INTO audit_log (id, at, actor, action, target_type, target_id, details_json, prev_hash, hash)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        (row.id, row.at, row.actor, row.action, row.target_type, row.target_id, row.details_json,
         row.prev_hash, row.hash))


async def walk(db: Database, chunk: int = 1000) -> AsyncIterator[AuditRow]:
    """Every record in chain order, read a chunk at a time."""
    after = -1
    while True:
        rows = to_rows(AuditRow, await db.fetchall(
            "SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", (after, chunk)))
        for row in rows:
            yield row
        if len(rows) < chunk:
            return
        after = rows[-1].id


async def entries_about(db: Database, target_type: str, target_ids: list[str]) -> list[AuditRow]:
    if not target_ids:
        return []
    marks = ",".join("?" * len(target_ids))
    return to_rows(AuditRow, await db.fetchall(
        f"SELECT * FROM audit_log WHERE target_type = ? AND target_id IN ({marks}) ORDER BY id",
        (target_type, *target_ids)))


async def entries_mentioning(db: Database, key: str, value: str) -> list[AuditRow]:
    """Records whose details name `key` = `value` (e.g. report_id), for case files.

    The text narrows the rows (portable SQL); the JSON decides, so a value
    that merely appears elsewhere in the details does not count."""
    candidates = to_rows(AuditRow, await db.fetchall(
        "SELECT * FROM audit_log WHERE details_json LIKE ? ORDER BY id", (f"%{value}%",)))
    return [r for r in candidates if str(json.loads(r.details_json).get(key)) == value]


async def recent(db: Database, limit: int, max_id: int | None = None) -> list[AuditRow]:
    return to_rows(AuditRow, await db.fetchall(
        "SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?", (max_id or (1 << 62), limit)))
