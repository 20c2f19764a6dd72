"""Applying stored inbox rows, after the 202: in batches, one processor per type.

`run_inbox_worker` runs with the node: it drains due rows on start (rows
left by a crash or another process) and whenever the inbox wakes it, and
on a timer. Any number of workers, in any number of processes, share the
queue: each claims a batch under a lease (`storage.inbox.claim_due`),
which never holds a row another worker holds, nor a row of an actor with
a row under another live lease; it renews the lease while it works.

A batch's rows are grouped by actor. Each actor's rows apply in the order
they came, different actors' side by side; consecutive Creates of Notes
(the bulk of any inbox) go through `federation.create_batch`, many rows
in one write transaction, and every other row one by one through
`federation.activities.PROCESSORS`. Each row is finished on its own,
whatever the others do (`federation.inbox_outcomes`):

- 'done', or 'dropped' with the reason (policy, or nothing to apply);
- put back, due again after a back-off (30 s, doubling), when the peer
  could not be reached (an actor or object fetch failed), and 'failed'
  after `MAX_ATTEMPTS`; a row put back waits for its time, so it never
  holds up the rows behind it nor ends the worker's pass;
- 'failed' at once on any other error: a dead letter kept with its error
  (the same input would fail again), visible to admins
  (`/api/v1/admin/inbox/failed`, `/admin/inbox`) and retryable by them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Any

from federation.activities import PROCESSORS, Dropped, Inbound
from federation.actors import actor_for
from federation.context import Federation
from federation.create_batch import Claimed, Run, apply_creates, candidate
from federation.inbox_outcomes import Decisions, decision_for, failure, refused
from storage import inbox as store
from storage.database import Database
from storage.inbox import LEASE, InboxRow, Outcome

logger = logging.getLogger(__name__)

POLL_SECONDS = 30.0
BATCH = 200  # rows a claim takes
# While activities keep arriving, a batch first waits for a lull (LULL
# without a new one, checked every LULL_STEP): on one core, applying
# competes with accepting, and senders wait only for the 202. It waits at
# most MAX_DEFER after a batch that emptied the queue (a trickle, gathered
# into one batch), and at most BACKLOG_DEFER after a full one (a backlog:
# the worker must keep up with a steady stream, not only drain after it).
LULL, LULL_STEP, MAX_DEFER, BACKLOG_DEFER = 0.05, 0.02, 0.5, 0.1


def worker_name() -> str:
    """A name for one worker's claims: host, process, and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


async def apply_row(fed: Federation, row: InboxRow, decisions: Decisions | None = None,
                    activity: dict[str, Any] | None = None) -> Outcome:
    """Apply one row through its type's processor; its outcome."""
    activity = json.loads(row.body) if activity is None else activity
    processor = PROCESSORS.get(str(activity.get("type")))
    if processor is None:
        return Outcome(row.id, "dropped", f"unsupported type {activity.get('type')!r}")
    decision = await decision_for(fed, row.host, decisions)
    if not decision.permitted:
        return refused(row, decision)
    try:
        actor = await actor_for(fed, row.actor)
        await processor(fed, Inbound(row.id, activity, actor, row.recipient_id))
    except Dropped as exc:
        logger.info("dropped %s from %s: %s", row.activity_id, row.actor, exc.reason)
        return Outcome(row.id, "dropped", exc.reason)
    except Exception as exc:  # a peer not reached: a retry; a bug or an unforeseen shape: a dead letter
        return failure(row, exc)
    return Outcome(row.id, "done")


async def process_pending(fed: Federation, *, limit: int = BATCH, worker: str | None = None) -> int:
    """Claim and apply due rows, a batch at a time, until none are left; a row
    put back for a retry waits for a later pass. Returns how many rows were
    taken."""
    worker = worker or worker_name()
    taken = 0
    while True:
        await _lull(fed, BACKLOG_DEFER if taken else MAX_DEFER)
        rows = await store.claim_due(fed.db, worker, limit)
        if rows:
            try:
                async with _renewing(fed.db, worker):
                    await apply_claimed(fed, worker, rows)
            except asyncio.CancelledError:  # the node stops: what it holds is claimable at once, not in a minute
                await asyncio.shield(store.release_claims(fed.db, worker))
                raise
        taken += len(rows)
        if len(rows) < limit:
            return taken


async def apply_claimed(fed: Federation, worker: str, rows: Sequence[InboxRow]) -> None:
    """Apply claimed rows: each actor's in order, in rounds. A round takes,
    for every actor, either its leading Creates of Notes (all actors' in one
    batch) or its next other row (one by one, actors side by side)."""
    decisions: Decisions = {}
    queues: dict[str, deque[Claimed]] = {}
    for row in rows:
        queues.setdefault(row.actor, deque()).append(Claimed(row, _parsed(row.body)))
    one_by_one: set[int] = set()  # rows the batch handed back
    while queues:
        runs: list[Run] = []
        singles: list[Claimed] = []
        for queue in queues.values():
            run = []
            while queue and queue[0].row.id not in one_by_one and candidate(queue[0].activity):
                run.append(queue.popleft())
            if run:
                runs.append(run)
            else:
                singles.append(queue.popleft())
        results = await asyncio.gather(_apply_batch(fed, worker, runs, decisions),
                                       *(_apply_one(fed, worker, c, decisions) for c in singles))
        leftovers, whole = results[0]
        for leftover in leftovers:
            one_by_one.update(c.row.id for c in (leftover if whole else leftover[:1]))
            queues[leftover[0].row.actor].extendleft(reversed(leftover))
        queues = {actor: queue for actor, queue in queues.items() if queue}


async def _apply_batch(fed: Federation, worker: str, runs: list[Run],
                       decisions: Decisions) -> tuple[list[Run], bool]:
    """`apply_creates`: what it hands back, and whether that is every row
    of every run because the batch itself failed (not one of its rows:
    those are finished on their own); then each goes one by one."""
    try:
        return await apply_creates(fed, worker, runs, decisions), False
    except Exception:
        logger.exception("a batch of %d Creates failed; applying them one by one", sum(map(len, runs)))
        return runs, True


def _parsed(body: str) -> dict[str, Any] | None:
    try:
        activity = json.loads(body)
    except ValueError:
        return None
    return activity if isinstance(activity, dict) else None


async def _apply_one(fed: Federation, worker: str, claimed: Claimed, decisions: Decisions) -> None:
    row = claimed.row
    try:
        outcome = await apply_row(fed, row, decisions, claimed.activity)
    except Exception as exc:  # not JSON, not an object: set aside with its error, go on
        outcome = failure(row, exc)
    await store.finish(fed.db, worker, outcome)


@contextlib.asynccontextmanager
async def _renewing(db: Database, worker: str) -> AsyncIterator[None]:
    """The worker's lease renewed while it applies a batch (a slow peer may
    keep a row for a while): its rows never pass to another worker meanwhile."""
    async def renew() -> None:
        while True:
            await asyncio.sleep(LEASE.total_seconds() / 4)
            try:
                await store.renew_claims(db, worker)
            except Exception:  # the next turn tries again; the lease has three more quarters
                logger.exception("renewing the inbox lease of %s failed", worker)

    task = asyncio.create_task(renew())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _lull(fed: Federation, at_most: float) -> None:
    """Wait for a lull in arrivals, or `at_most` seconds."""
    waited = 0.0
    while fed.pace.busy(LULL) and waited < at_most:
        await asyncio.sleep(LULL_STEP)
        waited += LULL_STEP


async def run_inbox_worker(fed: Federation, poll_seconds: float = POLL_SECONDS) -> None:
    worker = worker_name()
    while True:
        fed.wake.clear()
        try:
            await process_pending(fed, worker=worker)
        except Exception:
            logger.exception("inbox worker pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fed.wake.wait(), poll_seconds)
