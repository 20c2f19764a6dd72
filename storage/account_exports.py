"""Archives people ask for at /settings/export: rows a worker claims under
a lease (a killed process's row comes back when the lease runs out)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.clock import iso, now
from storage.database import Database
from storage.rows import to_row, to_rows

LEASE = dt.timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: int
    account_id: int
    secret: str
    state: str
    file_name: str | None
    size: int
    lease_until: str | None
    created_at: str
    finished_at: str | None
    expires_at: str


async def request_export(db: Database, export_id: int, account_id: int, secret: str, *,
                         since: str, expires_at: str) -> ExportRow | None:
    """A new archive for the account, or None when it asked for one after
    `since` already (checked and written in one transaction, so two clicks
    at once make one)."""
    async with db.write() as w:
        if await w.fetchval("SELECT count(*) FROM account_exports WHERE account_id = ? AND created_at > ?",
                            (account_id, since)):
            return None
        await w.execute(
            "INSERT INTO account_exports (id, account_id, secret, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (export_id, account_id, secret, iso(now()), expires_at))
        return to_row(ExportRow, await w.fetchone("SELECT * FROM account_exports WHERE id = ?", (export_id,)))


async def exports_of(db: Database, account_id: int) -> list[ExportRow]:
    return to_rows(ExportRow, await db.fetchall(
        "SELECT * FROM account_exports WHERE account_id = ? ORDER BY id DESC", (account_id,)))


async def find_export(db: Database, account_id: int, secret: str) -> ExportRow | None:
    """The owner's archive by its URL secret; another account's is not found."""
    return to_row(ExportRow, await db.fetchone(
        "SELECT * FROM account_exports WHERE account_id = ? AND secret = ?", (account_id, secret)))


async def claim_export(db: Database) -> ExportRow | None:
    """The oldest archive waiting (or whose builder's lease ran out), now leased."""
    moment = now()
    async with db.write() as w:
        row = to_row(ExportRow, await w.fetchone(
            "SELECT * FROM account_exports WHERE state IN ('queued', 'building')"
            " AND (lease_until IS NULL OR lease_until < ?) AND expires_at > ? ORDER BY id LIMIT 1",
            (iso(moment), iso(moment))))
        if row is None:
            return None
        await w.execute("UPDATE account_exports SET state = 'building', lease_until = ? WHERE id = ?",
                        (iso(moment + LEASE), row.id))
        return row


async def finish_export(db: Database, export_id: int, file_name: str | None, size: int) -> None:
    """Ready with its file, or failed (no file)."""
    state = "ready" if file_name else "failed"
    await db.execute(
        "UPDATE account_exports SET state = ?, file_name = ?, size = ?, lease_until = NULL, finished_at = ?"
        " WHERE id = ?", (state, file_name, size, iso(now()), export_id))


async def take_expired(db: Database) -> list[str]:
    """Deletes archives past their date; their file names, for the caller to remove."""
    async with db.write() as w:
        rows = await w.fetchall("SELECT id, file_name FROM account_exports WHERE expires_at < ?", (iso(now()),))
        for export_id, _ in rows:
            await w.execute("DELETE FROM account_exports WHERE id = ?", (export_id,))
    return [name for _, name in rows if name]
