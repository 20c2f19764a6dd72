"""Uploaded CSVs waiting to be imported: rows a worker claims under a lease,
with the counts a person sees on /settings/import."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.clock import iso, now
from storage.database import Database
from storage.rows import to_row, to_rows

LEASE = dt.timedelta(minutes=10)
KINDS = ("following", "blocking", "muting", "lists", "bookmarks")
MODES = ("merge", "overwrite")


@dataclass(frozen=True, slots=True)
class ImportRow:
    id: int
    account_id: int
    kind: str
    mode: str
    body: str
    state: str
    total: int
    imported: int
    skipped: int
    lease_until: str | None
    created_at: str
    finished_at: str | None


async def queue_import(db: Database, import_id: int, account_id: int, kind: str, mode: str, body: str,
                       total: int) -> None:
    await db.execute(
        "INSERT INTO account_imports (id, account_id, kind, mode, body, total, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", (import_id, account_id, kind, mode, body, total, iso(now())))


async def imports_of(db: Database, account_id: int, limit: int = 20) -> list[ImportRow]:
    return to_rows(ImportRow, await db.fetchall(
        "SELECT * FROM account_imports WHERE account_id = ? ORDER BY id DESC LIMIT ?", (account_id, limit)))


async def get_import(db: Database, import_id: int) -> ImportRow | None:
    return to_row(ImportRow, await db.fetchone("SELECT * FROM account_imports WHERE id = ?", (import_id,)))


async def claim_import(db: Database) -> ImportRow | None:
    """The oldest import waiting (or whose worker's lease ran out), now leased;
    a row taken again starts over, which is safe: each row's effect is idempotent."""
    moment = now()
    async with db.write() as w:
        row = to_row(ImportRow, await w.fetchone(
            "SELECT * FROM account_imports WHERE state IN ('queued', 'running')"
            " AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT 1", (iso(moment),)))
        if row is None:
            return None
        await w.execute("UPDATE account_imports SET state = 'running', lease_until = ?, imported = 0, skipped = 0"
                        " WHERE id = ?", (iso(moment + LEASE), row.id))
        return row


async def record_progress(db: Database, import_id: int, imported: int, skipped: int) -> None:
    """The counts so far, and the lease renewed: a long import keeps its row."""
    await db.execute("UPDATE account_imports SET imported = ?, skipped = ?, lease_until = ? WHERE id = ?",
                     (imported, skipped, iso(now() + LEASE), import_id))


async def finish_import(db: Database, import_id: int, imported: int, skipped: int, *, failed: bool = False) -> None:
    """Done: the counts kept, the uploaded text dropped."""
    await db.execute(
        "UPDATE account_imports SET state = ?, imported = ?, skipped = ?, body = '', lease_until = NULL,"
        " finished_at = ? WHERE id = ?",
        ("failed" if failed else "finished", imported, skipped, iso(now()), import_id))
