"""Inbound activities as rows: store once (dedupe by activity id), claim, finish.

A row is 'received' when stored, 'processing' while a worker holds it,
then 'done', 'dropped' (refused by policy, with the reason) or 'failed'
(an error, after `MAX_ATTEMPTS`). A claim older than `STALE_CLAIM` is
taken back, so a crash mid-processing never loses an activity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.clock import iso, now, now_iso
from storage.database import Database
from storage.rows import placeholders, to_rows

MAX_ATTEMPTS = 5
STALE_CLAIM = dt.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    activity_id: str
    actor: str
    host: str
    recipient_id: int | None
    body: str
    received_at: str
    state: str
    attempts: int
    error: str | None


@dataclass(frozen=True, slots=True)
class NewInboxActivity:
    id: int
    activity_id: str
    actor: str
    host: str
    recipient_id: int | None
    body: str


async def store_activity(db: Database, new: NewInboxActivity) -> bool:
    """Store an activity; False when one with the same activity id is stored already."""
    async with db.write() as w:
        added = await w.rowcount(
            "INSERT INTO inbox_activities (id, activity_id, actor, host, recipient_id, body, received_at)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT (activity_id) DO NOTHING",
            (new.id, new.activity_id, new.actor, new.host, new.recipient_id, new.body, now_iso()))
    return added > 0


async def claim_due(db: Database, limit: int = 20) -> list[InboxRow]:
    """Take up to `limit` rows to process, oldest first, marking them 'processing'."""
    stale = iso(now() - STALE_CLAIM)
    async with db.write() as w:
        rows = to_rows(InboxRow, await w.fetchall(
            "SELECT id, activity_id, actor, host, recipient_id, body, received_at, state, attempts, error"
            " FROM inbox_activities WHERE state = 'received' OR (state = 'processing' AND claimed_at < ?)"
            " ORDER BY id LIMIT ?", (stale, limit)))
        if rows:
            ids = [r.id for r in rows]
            await w.execute(f"UPDATE inbox_activities SET state = 'processing', claimed_at = ?,"
                            f" attempts = attempts + 1 WHERE id IN ({placeholders(ids)})", [now_iso(), *ids])
    return rows


async def finish(db: Database, row_id: int, state: str, error: str | None = None) -> None:
    """Record the outcome: done, dropped (with the reason) or failed."""
    assert state in ("done", "dropped", "failed", "received")
    await db.execute("UPDATE inbox_activities SET state = ?, error = ?, processed_at = ? WHERE id = ?",
                     (state, error, now_iso(), row_id))


async def count_by_state(db: Database) -> dict[str, int]:
    rows = await db.fetchall("SELECT state, count(*) FROM inbox_activities GROUP BY state")
    return {r[0]: r[1] for r in rows}
