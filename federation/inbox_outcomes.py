"""What becomes of an inbox row, shared by the one-by-one and batched paths:
the permit gate's answer for its host, and the outcome of an error."""

from __future__ import annotations

import datetime as dt
import logging
import time

from federation.actors import ActorError
from federation.context import Federation
from federation.fetch import FetchError
from policy.permits import PeerDecision
from storage.clock import iso, now
from storage.inbox import MAX_ATTEMPTS, InboxRow, Outcome

logger = logging.getLogger(__name__)

RETRY_SECONDS, MAX_RETRY_SECONDS = 30.0, 3600.0  # a row put back: 30 s, 60 s, 120 s, ... at most an hour
DECISION_SECONDS = 1.0  # a batch's gate answer per host is reused this long

Decisions = dict[str, tuple[float, PeerDecision]]


def retry_at(attempts: int) -> str:
    """When a row put back after `attempts` tries is due again."""
    return iso(now() + dt.timedelta(seconds=min(RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)))


async def decision_for(fed: Federation, host: str, decisions: Decisions | None) -> PeerDecision:
    """The gate's answer for `host`; `decisions` shares it between the rows
    of one batch, for at most DECISION_SECONDS."""
    if decisions is None:
        return await fed.gate.check(host)
    asked = decisions.get(host)
    if asked is None or asked[0] < time.monotonic():
        decision = await fed.gate.check(host)
        decisions[host] = asked = (time.monotonic() + DECISION_SECONDS, decision)
    return asked[1]


def refused(row: InboxRow, decision: PeerDecision) -> Outcome:
    """The permit lapsed between the 202 and now: dropped with the reason."""
    return Outcome(row.id, "dropped", f"{decision.reason}: {decision.message}")


def failure(row: InboxRow, exc: Exception) -> Outcome:
    """A peer that could not be reached: put back with a back-off, and
    'failed' after MAX_ATTEMPTS; any other error: a dead letter at once
    (the same input would fail again), kept with its error."""
    if isinstance(exc, (ActorError, FetchError)):
        state = "received" if row.attempts < MAX_ATTEMPTS else "failed"
        logger.warning("%s from %s: %s (%s)", row.activity_id, row.actor, exc, state)
        return Outcome(row.id, state, str(exc)[:500], retry_at(row.attempts) if state == "received" else None)
    logger.error("processing %s failed; set aside as a dead letter", row.activity_id,
                 exc_info=(type(exc), exc, exc.__traceback__))
    return Outcome(row.id, "failed", f"{type(exc).__name__}: {exc}"[:500])
