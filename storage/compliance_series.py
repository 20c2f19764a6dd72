"""Figures per UTC day, for the admin overview's charts.

Each function returns {day: value} (or {day: {series: value}}) for the
days it is asked about, with 0 where nothing happened, so a chart's
x axis is the same days whatever the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from storage.clock import iso, parse
from storage.compliance_counts import outcomes_between
from storage.database import Database


def days_ending(last: dt.date, count: int) -> list[str]:
    return [(last - dt.timedelta(days=n)).isoformat() for n in range(count - 1, -1, -1)]


def _end_of(day: str) -> str:
    """The first moment after `day` (UTC), as stored timestamps compare."""
    return iso(dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=1))


async def _per_day(db: Database, table: str, column: str, days: Sequence[str]) -> dict[str, int]:
    rows = await db.fetchall(
        f"SELECT substr({column}, 1, 10) AS day, count(*) FROM {table} WHERE {column} >= ? AND {column} < ?"
        f" GROUP BY substr({column}, 1, 10)", (days[0], _end_of(days[-1])))
    found = {r[0]: int(r[1]) for r in rows}
    return {day: found.get(day, 0) for day in days}


async def sign_ups(db: Database, days: Sequence[str]) -> dict[str, int]:
    return await _per_day(db, "users", "created_at", days)


async def verifications(db: Database, days: Sequence[str]) -> dict[str, int]:
    return await _per_day(db, "identities", "verified_at", days)


async def reports_opened(db: Database, days: Sequence[str]) -> dict[str, int]:
    return await _per_day(db, "reports", "created_at", days)


async def reports_resolved(db: Database, days: Sequence[str]) -> dict[str, int]:
    return await _per_day(db, "reports", "action_taken_at", days)


async def screening_hits(db: Database, days: Sequence[str]) -> dict[str, dict[str, int]]:
    """category -> day -> decisions that hit it (shadow categories included)."""
    found: dict[str, dict[str, int]] = {}
    for day, category, outcome, total in await outcomes_between(db, days[0], days[-1]):
        if outcome in ("hit", "shadow"):
            by_day = found.setdefault(category, dict.fromkeys(days, 0))
            by_day[day] += total
    return found


async def queue_at_day_ends(db: Database, days: Sequence[str], now: str) -> dict[str, tuple[int, float]]:
    """day -> (items waiting at the end of the day, hours the oldest had waited);
    for today, at `now`."""
    ends = {day: min(_end_of(day), now) for day in days}
    rows = await db.fetchall(
        "SELECT created_at, resolved_at FROM moderation_queue WHERE created_at < ?"
        " AND (resolved_at IS NULL OR resolved_at >= ?)", (ends[days[-1]], ends[days[0]]))
    result = {}
    for day, end in ends.items():
        waiting = [r[0] for r in rows if r[0] < end and (r[1] is None or r[1] >= end)]
        oldest = (parse(end) - parse(min(waiting))).total_seconds() / 3600 if waiting else 0.0
        result[day] = (len(waiting), round(oldest, 1))
    return result
