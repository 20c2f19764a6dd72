"""Scheduled statuses: plain SQL over `scheduled_statuses` (migration 0090).

A row keeps a status's parameters until `scheduled_at`; its media are
reserved for it (`media_attachments.scheduled_status_id`). Publication
is claimed by a lease (`claim_due`), and finished in the new status's
own write transaction (`finish`), which deletes the row only if the
lease is still the claimer's: two processes never publish one row twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from storage import clock
from storage.database import Database, Writer
from storage.rows import placeholders, to_row, to_rows
from storage.timelines import Page, newest_first, page_sql


@dataclass(frozen=True, slots=True)
class ScheduledRow:
    id: int
    account_id: int
    application_id: int | None
    scheduled_at: str
    params_json: str
    state: str
    refusal: str | None
    lease_token: str | None
    lease_until: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class Claim:
    """A due row this process may publish until `until`."""

    row: ScheduledRow
    token: str


async def insert(w: Writer, row_id: int, account_id: int, application_id: int | None, scheduled_at: str,
                 params_json: str, media_ids: Sequence[int]) -> bool:
    """Store the row and reserve its media; False if a medium was taken meanwhile."""
    await w.execute(
        "INSERT INTO scheduled_statuses (id, account_id, application_id, scheduled_at, params_json, state,"
        " created_at) VALUES (?,?,?,?,?,'scheduled',?)",
        (row_id, account_id, application_id, scheduled_at, params_json, clock.now_iso()))
    return await reserve_media(w, row_id, account_id, media_ids)


async def reserve_media(w: Writer, row_id: int, account_id: int, media_ids: Sequence[int]) -> bool:
    reserved = 0
    for media_id in media_ids:
        reserved += await w.rowcount(
            "UPDATE media_attachments SET scheduled_status_id = ? WHERE id = ? AND account_id = ?"
            " AND status_id IS NULL AND (scheduled_status_id IS NULL OR scheduled_status_id = ?)",
            (row_id, media_id, account_id, row_id))
    return reserved == len(media_ids)


async def release_media(w: Writer, row_id: int) -> None:
    await w.execute("UPDATE media_attachments SET scheduled_status_id = NULL WHERE scheduled_status_id = ?",
                    (row_id,))


async def get_own(db: Database | Writer, row_id: int, account_id: int) -> ScheduledRow | None:
    """A row of the account's still waiting (a refused one is not listed)."""
    return to_row(ScheduledRow, await db.fetchone(
        "SELECT * FROM scheduled_statuses WHERE id = ? AND account_id = ? AND state = 'scheduled'",
        (row_id, account_id)))


async def list_own(db: Database, account_id: int, page: Page) -> list[ScheduledRow]:
    """The account's waiting rows, newest id first, paged by id (Mastodon)."""
    where, order, args = page_sql(page, "id")
    rows = to_rows(ScheduledRow, await db.fetchall(
        f"SELECT * FROM scheduled_statuses WHERE account_id = :account AND state = 'scheduled' AND {where}"
        f" {order}", {**args, "account": account_id}))
    return newest_first(page, rows)


async def counts(db: Database | Writer, account_id: int, day: str) -> tuple[int, int]:
    """(waiting in all, waiting on the UTC day `day` = 'YYYY-MM-DD') for Mastodon's limits."""
    row = await db.fetchone(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN substr(scheduled_at, 1, 10) = ? THEN 1 ELSE 0 END), 0)"
        " FROM scheduled_statuses WHERE account_id = ? AND state = 'scheduled'", (day, account_id))
    assert row is not None
    return int(row[0]), int(row[1])


async def update(w: Writer, row_id: int, scheduled_at: str) -> None:
    await w.execute("UPDATE scheduled_statuses SET scheduled_at = ?, lease_token = NULL, lease_until = NULL"
                    " WHERE id = ?", (scheduled_at, row_id))


async def delete(w: Writer, row_id: int) -> None:
    """Cancel: the media go back to unattached uploads (ON DELETE SET NULL)."""
    await release_media(w, row_id)
    await w.execute("DELETE FROM scheduled_statuses WHERE id = ?", (row_id,))


async def due_ids(db: Database, now: str, limit: int) -> list[int]:
    rows = await db.fetchall(
        "SELECT id FROM scheduled_statuses WHERE state = 'scheduled' AND scheduled_at <= ?"
        " AND (lease_until IS NULL OR lease_until < ?) ORDER BY scheduled_at, id LIMIT ?", (now, now, limit))
    return [int(r[0]) for r in rows]


async def claim(w: Writer, row_id: int, now: dt.datetime, lease: dt.timedelta) -> Claim | None:
    """Take the lease on a due row (in the caller's write transaction), or None
    if another process holds it or it is no longer due."""
    token, stamp = secrets.token_hex(16), clock.iso(now)
    taken = await w.rowcount(
        "UPDATE scheduled_statuses SET lease_token = ?, lease_until = ? WHERE id = ? AND state = 'scheduled'"
        " AND scheduled_at <= ? AND (lease_until IS NULL OR lease_until < ?)",
        (token, clock.iso(now + lease), row_id, stamp, stamp))
    if not taken:
        return None
    row = to_row(ScheduledRow, await w.fetchone("SELECT * FROM scheduled_statuses WHERE id = ?", (row_id,)))
    return Claim(row, token) if row is not None else None


async def finish(w: Writer, claim: Claim) -> bool:
    """Delete the published row if the lease is still ours (in the status's
    transaction); False means another process took over: roll back."""
    await release_media(w, claim.row.id)
    return bool(await w.rowcount("DELETE FROM scheduled_statuses WHERE id = ? AND lease_token = ?",
                                 (claim.row.id, claim.token)))


async def refuse(w: Writer, claim: Claim, reason: str) -> None:
    """The gate refused it at publication: kept with the reason, media released."""
    await release_media(w, claim.row.id)
    await w.execute("UPDATE scheduled_statuses SET state = 'refused', refusal = ?, lease_token = NULL,"
                    " lease_until = NULL WHERE id = ? AND lease_token = ?", (reason, claim.row.id, claim.token))


async def media_ids_of(db: Database | Writer, row_ids: Sequence[int]) -> dict[int, list[int]]:
    """Reserved media ids by scheduled status id (one query)."""
    unique = list(dict.fromkeys(row_ids))
    if not unique:
        return {}
    rows = await db.fetchall(
        f"SELECT scheduled_status_id, id FROM media_attachments WHERE scheduled_status_id IN"
        f" ({placeholders(unique)}) ORDER BY id", unique)
    out: dict[int, list[int]] = {}
    for sid, mid in rows:
        out.setdefault(int(sid), []).append(int(mid))
    return out
