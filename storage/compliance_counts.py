"""Counters the compliance figures need: screening outcomes, refusals, delivery days.

Each is a row per (UTC day, ...) that writers add to with an upsert, so
counting is safe from several processes; readers sum over a period.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from storage.clock import now_iso
from storage.database import Database, Writer

REFUSAL_DIRECTIONS = ("inbound", "outbound")


def day_of(stamp: str) -> str:
    """The UTC day (YYYY-MM-DD) of a stored ISO timestamp."""
    return stamp[:10]


async def add_outcomes(w: Writer, outcomes: Iterable[tuple[str, str]], day: str | None = None) -> None:
    """(category, outcome) pairs of one or more screening decisions, today."""
    counts: dict[tuple[str, str], int] = {}
    for pair in outcomes:
        counts[pair] = counts.get(pair, 0) + 1
    if not counts:
        return
    when = day or day_of(now_iso())
    await w.executemany(
        "INSERT INTO screening_outcomes (day, category, outcome, total) VALUES (?,?,?,?)"
        " ON CONFLICT (day, category, outcome) DO UPDATE SET total = screening_outcomes.total + excluded.total",
        [(when, category, outcome, n) for (category, outcome), n in counts.items()])


async def add_refusals(db: Database, counts: Mapping[tuple[str, str, str, str], int]) -> None:
    """(day, direction, reason, host) -> how many, added in one transaction."""
    if not counts:
        return
    async with db.write() as w:
        await w.executemany(
            "INSERT INTO federation_refusals (day, direction, reason, host, total) VALUES (?,?,?,?,?)"
            " ON CONFLICT (day, direction, reason, host)"
            " DO UPDATE SET total = federation_refusals.total + excluded.total",
            [(*key, n) for key, n in counts.items()])


def drop_reason(last_error: str) -> str:
    """A dropped delivery's reason code: its error up to the first colon."""
    return last_error.split(":", 1)[0].strip()[:64] if last_error else ""


async def keep_delivery_days(w: Writer, ids: list[int]) -> None:
    """Add finished deliveries to `delivery_days` before they are pruned."""
    if not ids:
        return
    marks = ",".join("?" * len(ids))
    rows = await w.fetchall(
        f"SELECT finished_at, host, state, last_error FROM deliveries WHERE id IN ({marks})", ids)
    counts: dict[tuple[str, str, str, str], int] = {}
    for row in rows:
        reason = drop_reason(row["last_error"]) if row["state"] == "dropped" else ""
        key = (day_of(row["finished_at"] or now_iso()), row["host"], row["state"], reason)
        counts[key] = counts.get(key, 0) + 1
    await w.executemany(
        "INSERT INTO delivery_days (day, host, state, reason, total) VALUES (?,?,?,?,?)"
        " ON CONFLICT (day, host, state, reason) DO UPDATE SET total = delivery_days.total + excluded.total",
        [(*key, n) for key, n in counts.items()])


async def outcomes_between(db: Database, first_day: str, last_day: str) -> list[tuple[str, str, str, int]]:
    """(day, category, outcome, total) for the days in [first_day, last_day]."""
    rows = await db.fetchall(
        "SELECT day, category, outcome, total FROM screening_outcomes WHERE day >= ? AND day <= ?"
        " ORDER BY day, category, outcome", (first_day, last_day))
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]


async def refusals_between(db: Database, first_day: str, last_day: str) -> list[tuple[str, str, str, int]]:
    """(direction, reason, host, total) summed over the days in [first_day, last_day]."""
    rows = await db.fetchall(
        "SELECT direction, reason, host, sum(total) FROM federation_refusals WHERE day >= ? AND day <= ?"
        " GROUP BY direction, reason, host ORDER BY direction, reason, host", (first_day, last_day))
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]


async def delivery_days_between(db: Database, first_day: str, last_day: str) -> list[tuple[str, str, str, str, int]]:
    """Pruned deliveries as (day, host, state, reason, total)."""
    rows = await db.fetchall(
        "SELECT day, host, state, reason, total FROM delivery_days WHERE day >= ? AND day <= ?",
        (first_day, last_day))
    return [(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]
