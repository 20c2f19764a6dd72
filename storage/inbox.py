"""Inbound activities as rows: store once (dedupe by activity id), claim, finish.

A row is 'received' when stored, 'processing' while a worker holds it,
then 'done', 'dropped' (refused by policy, with the reason) or 'failed':
a dead letter, set aside with its error for an admin to read and retry
(`failed_rows`, `retry_failed`). A row put back for a retry waits until
its `due_at`.

Several workers (in several processes, on PostgreSQL) share the queue.
A claim is a lease: the rows are marked with the worker's name
(`claimed_by`) and `lease_until`, which the worker extends while it
works (`renew_claims`) and gives back when it stops (`release_claims`);
a crashed worker's rows are claimed again once their lease has run out,
so nothing accepted is lost (and a row whose workers keep dying on it is
set aside after `MAX_ATTEMPTS`). A claim skips every actor with a row
under another live lease, and takes each actor's rows oldest first: two
workers never apply the same row, nor one actor's rows out of order. A
worker whose lease was taken over finishes nothing (`finish` and
`finish_many` check the claim).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import iso, now, now_iso
from storage.database import Database, Writer
from storage.rows import execute_values, placeholders, to_rows

MAX_ATTEMPTS = 5
LEASE = dt.timedelta(seconds=60)  # a claim's life; a working worker renews it every LEASE / 4


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
           " VALUES {values} ON CONFLICT (activity_id) DO NOTHING")


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
            return [await w.rowcount(_INSERT.format(values="(?,?,?,?,?,?,?)"), (
                new.id, new.activity_id, new.actor, new.host, new.recipient_id, new.body, received_at)) > 0]
        await execute_values(w, _INSERT, [(n.id, n.activity_id, n.actor, n.host, n.recipient_id, n.body, received_at)
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


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a claimed row: done, dropped (with the reason), failed
    (with the error), or received again (a retry, due at `due_at`)."""

    row_id: int
    state: str
    error: str | None = None
    due_at: str | None = None


# Rows a claim may take: due, or held under a lease that ran out; and
# never a row of an actor that has a row under another live lease.
_NO_LIVE_CLAIM = ("NOT EXISTS (SELECT 1 FROM inbox_activities p WHERE p.actor = i.actor"
                  " AND p.state = 'processing' AND p.lease_until >= :now)")
_DUE = (f"SELECT {', '.join('i.' + c.strip() for c in _COLUMNS.split(','))} FROM inbox_activities i"
        f" WHERE i.state = 'received' AND (i.due_at IS NULL OR i.due_at <= :now) AND {_NO_LIVE_CLAIM}"
        " ORDER BY i.id LIMIT :limit")
_LAPSED = (f"SELECT {', '.join('i.' + c.strip() for c in _COLUMNS.split(','))} FROM inbox_activities i"
           " WHERE i.state = 'processing' AND (i.lease_until IS NULL OR i.lease_until < :now)"
           f" AND {_NO_LIVE_CLAIM} ORDER BY i.id LIMIT :limit")


async def claim_due(db: Database, worker: str, limit: int = 20, *,
                    lease: dt.timedelta = LEASE) -> list[InboxRow]:
    """Claim up to `limit` rows for `worker`, oldest first, marking them
    'processing' under a lease: due rows, and rows whose lease ran out. A
    row whose lease ran out MAX_ATTEMPTS times (its workers keep dying on
    it) is set aside as a dead letter instead.

    Two queries that each walk an index in id order (most rows are long
    'done'), merged: the first `limit` of either are the first of both."""
    current = now()
    args = {"now": iso(current), "limit": limit}
    async with db.write() as w:
        lapsed = to_rows(InboxRow, await w.fetchall(_LAPSED, args))
        await _give_up(w, [r.id for r in lapsed if r.attempts >= MAX_ATTEMPTS])
        found = to_rows(InboxRow, await w.fetchall(_DUE, args)) + [r for r in lapsed if r.attempts < MAX_ATTEMPTS]
        rows = sorted(found, key=lambda r: r.id)[:limit]
        if rows:
            ids = [r.id for r in rows]
            await w.execute(f"UPDATE inbox_activities SET state = 'processing', claimed_by = ?, claimed_at = ?,"
                            f" lease_until = ?, attempts = attempts + 1 WHERE id IN ({placeholders(ids)})",
                            [worker, iso(current), iso(current + lease), *ids])
    return rows


async def _give_up(w: Writer, row_ids: Sequence[int]) -> None:
    if row_ids:
        await w.execute(f"UPDATE inbox_activities SET state = 'failed', error = ?, processed_at = ?, due_at = NULL"
                        f" WHERE id IN ({placeholders(row_ids)})",
                        [f"its worker stopped while applying it, {MAX_ATTEMPTS} times", now_iso(), *row_ids])


async def renew_claims(db: Database, worker: str, lease: dt.timedelta = LEASE) -> int:
    """Extend the lease of every row `worker` still holds; how many."""
    return await db.execute("UPDATE inbox_activities SET lease_until = ? WHERE claimed_by = ? AND state = 'processing'",
                            (iso(now() + lease), worker))


async def release_claims(db: Database, worker: str) -> int:
    """Give back every row `worker` holds (it is stopping), due at once; how many."""
    return await db.execute("UPDATE inbox_activities SET state = 'received', lease_until = NULL"
                            " WHERE claimed_by = ? AND state = 'processing'", (worker,))


async def held_by(w: Writer, worker: str, row_ids: Sequence[int]) -> set[int]:
    """Which of these rows `worker` still holds (inside the transaction that
    applies them: a row whose lease another worker took over is skipped)."""
    if not row_ids:
        return set()
    rows = await w.fetchall(f"SELECT id FROM inbox_activities WHERE id IN ({placeholders(row_ids)})"
                            " AND state = 'processing' AND claimed_by = ?", [*row_ids, worker])
    return {int(r[0]) for r in rows}


async def finish_many(w: Writer, worker: str, outcomes: Sequence[Outcome]) -> None:
    """Record the outcomes of rows `worker` holds, in the caller's transaction."""
    assert all(o.state in ("done", "dropped", "failed", "received") for o in outcomes)
    stamp = now_iso()
    alike: dict[tuple[str, str | None, str | None], list[int]] = {}  # mostly one group: done
    for o in outcomes:
        alike.setdefault((o.state, o.error, o.due_at), []).append(o.row_id)
    for (state, error, due_at), ids in alike.items():
        await w.execute(f"UPDATE inbox_activities SET state = ?, error = ?, processed_at = ?, due_at = ?"
                        f" WHERE id IN ({placeholders(ids)}) AND claimed_by = ? AND state = 'processing'",
                        [state, error, stamp, due_at, *ids, worker])


async def finish(db: Database, worker: str, outcome: Outcome) -> None:
    """Record one outcome, if `worker` still holds the row."""
    async with db.write() as w:
        await finish_many(w, worker, [outcome])


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
