"""Inbound activities as rows: store once (dedupe by activity id), claim, finish.

A row is 'received' when stored, 'processing' while a worker holds it,
then 'done', 'dropped' (refused by policy, with the reason) or 'failed':
a dead letter, set aside with its error for an admin to read and retry
(`failed_rows`, `retry_failed`). A row put back for a retry waits until
its `due_at`. A claim older than `STALE_CLAIM` is taken back, so a crash
mid-processing never loses an activity.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from collections.abc import Sequence
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


_COLUMNS = "id, activity_id, actor, host, recipient_id, body, received_at, state, attempts, error"
_INSERT = ("INSERT INTO inbox_activities (id, activity_id, actor, host, recipient_id, body, received_at)"
           " VALUES (?,?,?,?,?,?,?) ON CONFLICT (activity_id) DO NOTHING")


async def store_activity(db: Database, new: NewInboxActivity) -> bool:
    """Store an activity; False when one with the same activity id is stored already.

    Written with the others that arrive meanwhile, in one transaction
    (`InboxBatcher`); a lone activity is a group of one."""
    return await batcher_for(db).store(new)


async def store_activities(db: Database, batch: Sequence[NewInboxActivity]) -> list[bool]:
    """Store a group in one transaction; per activity, True when stored now
    (False: its activity id was stored already, or earlier in `batch`)."""
    received_at = now_iso()
    async with db.write() as w:
        if len(batch) == 1:
            new = batch[0]
            return [await w.rowcount(_INSERT, (new.id, new.activity_id, new.actor, new.host,
                                               new.recipient_id, new.body, received_at)) > 0]
        await w.executemany(_INSERT, [(n.id, n.activity_id, n.actor, n.host, n.recipient_id, n.body, received_at)
                                      for n in batch])
        activity_ids = list(dict.fromkeys(n.activity_id for n in batch))
        rows = await w.fetchall(f"SELECT id FROM inbox_activities WHERE activity_id IN"
                                f" ({placeholders(activity_ids)})", activity_ids)
    stored = {r[0] for r in rows}
    return [n.id in stored for n in batch]


class InboxBatcher:
    """Group commit for inbox rows (as `storage.status_batch` does for posts):
    every activity that arrives while a group is being written goes in the
    next group, one transaction (~4 writer trips) for all of them instead of
    three trips each, so concurrent senders do not queue on the writer lock."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._pending: list[tuple[NewInboxActivity, asyncio.Future[bool]]] = []
        self._lock = asyncio.Lock()

    async def store(self, new: NewInboxActivity) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((new, future))
        async with self._lock:
            if not future.done() and self._pending:
                group, self._pending = self._pending, []
                # Shielded: if this request is cancelled, the group it carries is still written.
                await asyncio.shield(self._write(group))
        return await future

    async def _write(self, group: list[tuple[NewInboxActivity, asyncio.Future[bool]]]) -> None:
        try:
            results = await store_activities(self._db, [new for new, _ in group])
        except Exception as exc:
            if len(group) == 1:
                _settle(group[0][1], exc=exc)
                return
            for item in group:  # one bad row must not fail the others
                await self._write([item])
            return
        for (_, future), added in zip(group, results):
            _settle(future, added)


def _settle(future: asyncio.Future[bool], added: bool = False, exc: BaseException | None = None) -> None:
    if future.done():  # its request was cancelled; the row is written all the same
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(added)


_BATCHERS: weakref.WeakKeyDictionary[Database, InboxBatcher] = weakref.WeakKeyDictionary()


def batcher_for(db: Database) -> InboxBatcher:
    """The one inbox batcher of a database (created on first use)."""
    batcher = _BATCHERS.get(db)
    if batcher is None:
        batcher = _BATCHERS[db] = InboxBatcher(db)
    return batcher


async def claim_due(db: Database, limit: int = 20) -> list[InboxRow]:
    """Take up to `limit` rows to process, oldest first, marking them 'processing'."""
    current = now()
    async with db.write() as w:
        rows = to_rows(InboxRow, await w.fetchall(
            f"SELECT {_COLUMNS} FROM inbox_activities"
            " WHERE (state = 'received' AND (due_at IS NULL OR due_at <= ?))"
            " OR (state = 'processing' AND claimed_at < ?) ORDER BY id LIMIT ?",
            (iso(current), iso(current - STALE_CLAIM), limit)))
        if rows:
            ids = [r.id for r in rows]
            await w.execute(f"UPDATE inbox_activities SET state = 'processing', claimed_at = ?,"
                            f" attempts = attempts + 1 WHERE id IN ({placeholders(ids)})", [now_iso(), *ids])
    return rows


async def finish(db: Database, row_id: int, state: str, error: str | None = None,
                 due_at: str | None = None) -> None:
    """Record the outcome: done, dropped (with the reason), failed (with the
    error), or received again (a retry, due at `due_at`)."""
    assert state in ("done", "dropped", "failed", "received")
    await db.execute("UPDATE inbox_activities SET state = ?, error = ?, processed_at = ?, due_at = ?"
                     " WHERE id = ?", (state, error, now_iso(), due_at, row_id))


async def failed_rows(db: Database, limit: int, max_id: int | None = None) -> list[InboxRow]:
    """Dead letters, newest first (below `max_id` when given)."""
    below = "AND id < ?" if max_id is not None else ""
    args: list[object] = [max_id] if max_id is not None else []
    return to_rows(InboxRow, await db.fetchall(
        f"SELECT {_COLUMNS} FROM inbox_activities WHERE state = 'failed' {below} ORDER BY id DESC LIMIT ?",
        [*args, limit]))


async def get_row(db: Database, row_id: int) -> InboxRow | None:
    rows = to_rows(InboxRow, await db.fetchall(f"SELECT {_COLUMNS} FROM inbox_activities WHERE id = ?",
                                               (row_id,)))
    return rows[0] if rows else None


async def retry_failed(db: Database, row_id: int) -> bool:
    """Put a dead letter back in the queue, due now, its attempts reset;
    False when the row is not (or no longer) failed."""
    async with db.write() as w:
        return await w.rowcount("UPDATE inbox_activities SET state = 'received', attempts = 0, due_at = NULL,"
                                " error = NULL WHERE id = ? AND state = 'failed'", (row_id,)) > 0


async def count_by_state(db: Database) -> dict[str, int]:
    rows = await db.fetchall("SELECT state, count(*) FROM inbox_activities GROUP BY state")
    return {r[0]: r[1] for r in rows}
