"""The permit registry (article 7(6)) and the cache of peers' declared numbers.

Every change runs in one write transaction and returns the row before and
after it (`RowChange`), so the caller can say exactly what changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import placeholders, to_row, to_rows


@dataclass(frozen=True, slots=True)
class PermitRow:
    id: int
    host: str
    number: str
    kind: str
    holder: str
    status: str
    valid_until: str | None  # ISO date, inclusive
    source: str
    note: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class NewPermit:
    host: str
    number: str
    kind: str
    holder: str = ""
    status: str = "active"
    valid_until: str | None = None
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class DeclarationRow:
    host: str
    declared_number: str | None
    checked_at: str
    error: str | None


RowChange = tuple[PermitRow | None, PermitRow | None]

_MAX_ID = (1 << 63) - 1

_UPSERT = (
    "INSERT INTO permits (id, host, number, kind, holder, status, valid_until, source, note,"
    " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    " ON CONFLICT (host) DO UPDATE SET number = excluded.number, kind = excluded.kind,"
    " holder = excluded.holder, valid_until = excluded.valid_until, source = excluded.source,"
    " note = excluded.note, updated_at = excluded.updated_at,"
    " status = CASE WHEN ? = 1 THEN permits.status ELSE excluded.status END"
)


async def _get(w: Writer, host: str) -> PermitRow | None:
    return to_row(PermitRow, await w.fetchone("SELECT * FROM permits WHERE host = ?", (host,)))


async def _upsert(w: Writer, new_id: int, permit: NewPermit, keep_status: bool) -> RowChange:
    before = await _get(w, permit.host)
    now = now_iso()
    await w.execute(_UPSERT, (new_id, permit.host, permit.number, permit.kind, permit.holder,
                              permit.status, permit.valid_until, permit.source, permit.note,
                              now, now, int(keep_status)))
    return before, await _get(w, permit.host)


async def upsert_permit(db: Database, new_id: int, permit: NewPermit, *,
                        keep_status: bool = False) -> RowChange:
    """Add a permit or update the one for its host (keeping its id and,
    with keep_status, its status); `new_id` is used only for a new row."""
    async with db.write() as w:
        return await _upsert(w, new_id, permit, keep_status)


async def upsert_permits(db: Database, permits: list[tuple[int, NewPermit]], *,
                         keep_status: bool = False) -> list[RowChange]:
    """Several upserts in one transaction: all are stored or none."""
    async with db.write() as w:
        return [await _upsert(w, new_id, permit, keep_status) for new_id, permit in permits]


async def put_permit(w: Writer, new_id: int, permit: NewPermit) -> RowChange:
    """`upsert_permit` inside the caller's transaction (status as given)."""
    return await _upsert(w, new_id, permit, keep_status=False)


async def permits_by_host(conn: Database | Writer, hosts: list[str]) -> dict[str, PermitRow]:
    if not hosts:
        return {}
    rows = to_rows(PermitRow, await conn.fetchall(
        f"SELECT * FROM permits WHERE host IN ({placeholders(hosts)})", hosts))
    return {r.host: r for r in rows}


async def hosts_with_source(conn: Database | Writer, source: str) -> list[str]:
    return [str(r[0]) for r in await conn.fetchall("SELECT host FROM permits WHERE source = ? ORDER BY host",
                                                   (source,))]


async def get_permit(db: Database, host: str) -> PermitRow | None:
    return to_row(PermitRow, await db.fetchone("SELECT * FROM permits WHERE host = ?", (host,)))


async def get_permit_by_id(db: Database, permit_id: int) -> PermitRow | None:
    return to_row(PermitRow, await db.fetchone("SELECT * FROM permits WHERE id = ?", (permit_id,)))


async def list_permits(db: Database, status: str | None = None) -> list[PermitRow]:
    """Every permit (or those with `status`), by host."""
    if status is None:
        return to_rows(PermitRow, await db.fetchall("SELECT * FROM permits ORDER BY host"))
    return to_rows(PermitRow, await db.fetchall(
        "SELECT * FROM permits WHERE status = ? ORDER BY host", (status,)))


async def page_permits(db: Database, limit: int, max_id: int | None = None) -> list[PermitRow]:
    """Newest first, ids below `max_id`: the admin API's pages."""
    return to_rows(PermitRow, await db.fetchall(
        "SELECT * FROM permits WHERE id < ? ORDER BY id DESC LIMIT ?",
        (max_id if max_id is not None else _MAX_ID, limit)))


async def set_permit_status(db: Database, host: str, status: str, *,
                            note: str | None = None, source: str | None = None) -> RowChange:
    """Change the status (and the note and source, when given); (None, None)
    for an unknown host."""
    async with db.write() as w:
        before = await _get(w, host)
        if before is None:
            return None, None
        await w.execute(
            "UPDATE permits SET status = ?, note = coalesce(?, note), source = coalesce(?, source),"
            " updated_at = ? WHERE host = ?", (status, note, source, now_iso(), host))
        return before, await _get(w, host)


async def delete_permit(db: Database, host: str) -> RowChange:
    """Remove a permit; (None, None) for an unknown host."""
    async with db.write() as w:
        before = await _get(w, host)
        if before is not None:
            await w.execute("DELETE FROM permits WHERE host = ?", (host,))
        return before, None


async def record_declaration(db: Database, host: str, declared_number: str | None,
                             checked_at: str, error: str | None = None) -> None:
    """What the peer declared when last asked (or why asking failed)."""
    await db.execute(
        "INSERT INTO peer_declarations (host, declared_number, checked_at, error) VALUES (?,?,?,?)"
        " ON CONFLICT (host) DO UPDATE SET declared_number = excluded.declared_number,"
        " checked_at = excluded.checked_at, error = excluded.error",
        (host, declared_number, checked_at, error))


async def get_declaration(db: Database, host: str) -> DeclarationRow | None:
    return to_row(DeclarationRow, await db.fetchone(
        "SELECT * FROM peer_declarations WHERE host = ?", (host,)))
