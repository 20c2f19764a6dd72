"""When to try a delivery again, and when to stop: pure functions.

microblog.pub's rules: 2xx is done; 429 and 503 honour `Retry-After`
(seconds or an HTTP date); any other 4xx is final; 5xx, timeouts and
connection errors retry with exponential back-off (30 s * 2^n, capped at
6 h, jittered), up to a bounded number of attempts and never past the
row's give-up time (`[federation] delivery_give_up_hours`).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Random = Callable[[], float]  # uniform in [0, 1)
OutcomeState = Literal["done", "queued", "failed"]

RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    base_seconds: float = 30.0
    cap_seconds: float = 6 * 3600.0
    jitter: float = 0.2          # +/- this fraction of the delay
    give_up_hours: float = 48.0
    max_attempts: int = 25
    max_retry_after: float = 6 * 3600.0  # a peer may not park us longer than this

    def give_up_at(self, created: dt.datetime) -> dt.datetime:
        return created + dt.timedelta(hours=self.give_up_hours)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a delivery attempt leads to: the row's next state, and why."""

    state: OutcomeState
    reason: str
    next_attempt_at: dt.datetime | None = None


def backoff_delay(attempts: int, policy: BackoffPolicy, rand: Random = random.random) -> float:
    """Seconds before attempt `attempts + 1`, after `attempts` (>= 1) have failed."""
    exponent = max(0, attempts - 1)
    raw = policy.cap_seconds if exponent >= 40 else min(policy.cap_seconds, policy.base_seconds * 2 ** exponent)
    spread = raw * policy.jitter * (2 * rand() - 1)
    return max(0.0, min(policy.cap_seconds, raw + spread))


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds from `now` a `Retry-After` asks for (delta-seconds or an
    HTTP date); None when absent or unreadable. Dates in the past are 0."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def classify(status: int | None, error: str, *, attempts: int, now: dt.datetime,
             give_up_at: dt.datetime, policy: BackoffPolicy, retry_after: str | None = None,
             rand: Random = random.random) -> Outcome:
    """The outcome of one attempt: `status` is the HTTP status (None when
    no response arrived: timeout, refused connection, reset)."""
    if status is not None and 200 <= status < 300:
        return Outcome("done", f"HTTP {status}")
    what = f"HTTP {status}" if status is not None else (error or "no response")
    if status is not None and 400 <= status < 500 and status not in RETRY_AFTER_STATUSES:
        return Outcome("failed", f"{what}: the peer refused it (final)")
    if status is not None and 300 <= status < 400:
        return Outcome("failed", f"{what}: a redirect in answer to a POST (final)")
    delay = _hinted_delay(status, retry_after, now, policy)
    hinted = delay is not None
    if delay is None:
        delay = backoff_delay(attempts, policy, rand)
    return _retry(what, hinted, now + dt.timedelta(seconds=delay), attempts, give_up_at, policy)


def _hinted_delay(status: int | None, retry_after: str | None, now: dt.datetime,
                  policy: BackoffPolicy) -> float | None:
    if status not in RETRY_AFTER_STATUSES:
        return None
    seconds = parse_retry_after(retry_after, now)
    return None if seconds is None else min(seconds, policy.max_retry_after)


def _retry(what: str, hinted: bool, when: dt.datetime, attempts: int, give_up_at: dt.datetime,
           policy: BackoffPolicy) -> Outcome:
    if attempts >= policy.max_attempts:
        return Outcome("failed", f"{what}: gave up after {attempts} attempts")
    if when > give_up_at:
        return Outcome("failed", f"{what}: gave up, the next try would be past {give_up_at.isoformat()}")
    how = "as Retry-After asks" if hinted else "with back-off"
    return Outcome("queued", f"{what}: retry {how}", when)
