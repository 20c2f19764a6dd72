"""False-information corrections (article 7(5)): one per status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.database import Database, Writer
from storage.rows import rows_by_status, to_row, to_rows


@dataclass(frozen=True, slots=True)
class CorrectionRow:
    id: int
    status_id: int
    text: str
    source_url: str
    actor_account_id: int | None
    correction_status_id: int | None
    created_at: str


async def save_correction(w: Writer, row: CorrectionRow) -> None:
    """Mark a status; a second mark replaces the first's text and source."""
    await w.execute(
        "INSERT INTO corrections (id, status_id, text, source_url, actor_account_id, correction_status_id, created_at)"
        " VALUES (?,?,?,?,?,?,?) ON CONFLICT (status_id) DO UPDATE SET text = excluded.text,"
        " source_url = excluded.source_url, actor_account_id = excluded.actor_account_id,"
        " correction_status_id = excluded.correction_status_id, created_at = excluded.created_at",
        (row.id, row.status_id, row.text, row.source_url, row.actor_account_id, row.correction_status_id,
         row.created_at))


async def get_correction(db: Database | Writer, status_id: int) -> CorrectionRow | None:
    return to_row(CorrectionRow, await db.fetchone("SELECT * FROM corrections WHERE status_id = ?", (status_id,)))


async def delete_correction(w: Writer, status_id: int) -> bool:
    return await w.rowcount("DELETE FROM corrections WHERE status_id = ?", (status_id,)) == 1


async def corrections_for(db: Database, status_ids: Sequence[int]) -> dict[int, CorrectionRow]:
    """The corrections of these statuses, by status id (one query)."""
    return await rows_by_status(db, CorrectionRow, "corrections", status_ids)


async def any_corrections(db: Database) -> bool:
    return await db.fetchval("SELECT 1 FROM corrections LIMIT 1") is not None


async def list_corrections(db: Database, limit: int, max_id: int | None = None) -> list[CorrectionRow]:
    return to_rows(CorrectionRow, await db.fetchall(
        "SELECT * FROM corrections WHERE id < ? ORDER BY id DESC LIMIT ?", (max_id or (1 << 62), limit)))
