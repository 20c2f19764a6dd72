"""Applying stored inbox rows, after the 202: one processor per type.

`run_inbox_worker` runs with the node: it drains due rows on start (rows
left by a crash or another process) and whenever the inbox wakes it, and
on a timer. Each row is applied by `federation.activities.PROCESSORS` and
finished on its own, whatever the others do:

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
import datetime as dt
import json
import logging
import time

from federation.activities import PROCESSORS, Dropped, Inbound
from federation.actors import ActorError, actor_for
from federation.context import Federation
from federation.fetch import FetchError
from policy.permits import PeerDecision
from storage import inbox as store
from storage.clock import iso, now
from storage.inbox import MAX_ATTEMPTS, InboxRow

logger = logging.getLogger(__name__)

POLL_SECONDS = 30.0
RETRY_SECONDS, MAX_RETRY_SECONDS = 30.0, 3600.0  # a row put back: 30 s, 60 s, 120 s, ... at most an hour
DECISION_SECONDS = 1.0  # a batch's gate answer per host is reused this long
# While activities keep arriving, a batch waits for a lull this long
# (checked every LULL_STEP), but never more than MAX_DEFER, and then takes
# only BUSY_BATCH rows: on one core, applying competes with accepting, and
# senders wait only for the 202.
LULL, LULL_STEP, MAX_DEFER, BUSY_BATCH = 0.05, 0.02, 0.5, 2

Decisions = dict[str, tuple[float, PeerDecision]]


async def apply_row(fed: Federation, row: InboxRow,
                    decisions: Decisions | None = None) -> tuple[str, str | None]:
    """(state, reason) after applying one row; `decisions` shares the gate's
    answers between the rows of one batch (for at most DECISION_SECONDS)."""
    activity = json.loads(row.body)
    processor = PROCESSORS.get(str(activity.get("type")))
    if processor is None:
        return "dropped", f"unsupported type {activity.get('type')!r}"
    decision = await _decision(fed, row.host, decisions)
    if not decision.permitted:  # the permit lapsed between the 202 and now
        return "dropped", f"{decision.reason}: {decision.message}"
    try:
        actor = await actor_for(fed, row.actor)
        await processor(fed, Inbound(row.id, activity, actor, row.recipient_id))
    except Dropped as exc:
        logger.info("dropped %s from %s: %s", row.activity_id, row.actor, exc.reason)
        return "dropped", exc.reason
    except (ActorError, FetchError) as exc:
        state = "received" if row.attempts < MAX_ATTEMPTS else "failed"
        logger.warning("%s from %s: %s (%s)", row.activity_id, row.actor, exc, state)
        return state, str(exc)[:500]
    return "done", None


def retry_at(attempts: int) -> str:
    """When a row put back after `attempts` tries is due again."""
    return iso(now() + dt.timedelta(seconds=min(RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)))


async def _decision(fed: Federation, host: str, decisions: Decisions | None) -> PeerDecision:
    if decisions is None:
        return await fed.gate.check(host)
    asked = decisions.get(host)
    if asked is None or asked[0] < time.monotonic():
        decision = await fed.gate.check(host)
        decisions[host] = asked = (time.monotonic() + DECISION_SECONDS, decision)
    return asked[1]


async def process_pending(fed: Federation, *, limit: int = 20) -> int:
    """Apply the due rows, a batch at a time; a row put back for a retry waits
    for the next pass. Returns how many rows were taken.

    Each actor's rows apply in the order they came, and different actors'
    side by side: a row spends most of its time waiting for the database,
    so one at a time left the worker 15 s behind a burst of 4,000 Creates
    that the inbox accepted in 4 s. (As with Mastodon's parallel jobs, a
    Like may then meet its Note before another actor's Create stored it.)
    """
    taken = 0
    while True:
        quiet = await _lull(fed)
        rows = await store.claim_due(fed.db, limit if quiet else min(limit, BUSY_BATCH))
        decisions: Decisions = {}
        by_actor: dict[str, list[InboxRow]] = {}
        for row in rows:
            by_actor.setdefault(row.actor, []).append(row)
        await asyncio.gather(*(_apply_in_order(fed, mine, decisions) for mine in by_actor.values()))
        taken += len(rows)
        if len(rows) < (limit if quiet else min(limit, BUSY_BATCH)):
            return taken


async def _lull(fed: Federation) -> bool:
    """Wait for a lull in arrivals; False when none came in MAX_DEFER."""
    waited = 0.0
    while fed.pace.busy(LULL):
        if waited >= MAX_DEFER:
            return False
        await asyncio.sleep(LULL_STEP)
        waited += LULL_STEP
    return True


async def _apply_in_order(fed: Federation, rows: list[InboxRow], decisions: Decisions) -> None:
    """One actor's rows, in order, each finished on its own."""
    for row in rows:
        state, reason = await _apply_logged(fed, row, decisions)
        due = retry_at(row.attempts) if state == "received" else None
        await store.finish(fed.db, row.id, state, reason, due)


async def _apply_logged(fed: Federation, row: InboxRow,
                        decisions: Decisions | None = None) -> tuple[str, str | None]:
    try:
        return await apply_row(fed, row, decisions)
    except Exception as exc:  # a bug or an unforeseen shape: set the row aside with its error, go on
        logger.exception("processing %s failed; set aside as a dead letter", row.activity_id)
        return "failed", f"{type(exc).__name__}: {exc}"[:500]


async def run_inbox_worker(fed: Federation, poll_seconds: float = POLL_SECONDS) -> None:
    while True:
        fed.wake.clear()
        try:
            await process_pending(fed)
        except Exception:
            logger.exception("inbox worker pass failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fed.wake.wait(), poll_seconds)
