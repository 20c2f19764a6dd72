"""The node's weekly activity (Mastodon's `GET /api/v1/instance/activity`):
for each of the last 12 weeks, Monday 00:00 UTC first, the local statuses
posted (boosts not counted, deleted ones still counted where their rows
remain, as Mastodon's counter), the local users who signed in, and the
local accounts registered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.clock import iso, now
from storage.database import Database
from storage.ids import id_for_time

WEEKS = 12


@dataclass(frozen=True, slots=True)
class Week:
    start: dt.datetime
    statuses: int
    logins: int
    registrations: int


def week_start(moment: dt.datetime) -> dt.datetime:
    day = moment.astimezone(dt.timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - dt.timedelta(days=day.weekday())


async def record_login(db: Database, account_id: int, at: dt.datetime | None = None) -> None:
    week = week_start(at or now()).strftime("%Y-%m-%d")
    await db.execute("INSERT INTO login_weeks (account_id, week) VALUES (?, ?)"
                     " ON CONFLICT (account_id, week) DO NOTHING", (account_id, week))


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


async def weekly_activity(db: Database, weeks: int = WEEKS, at: dt.datetime | None = None) -> list[Week]:
    """Newest week first. Statuses are counted on the primary key, whose ids
    are time-ordered (`storage.ids`), so each week is one index range."""
    starts = [week_start(at or now()) - dt.timedelta(weeks=n) for n in range(weeks)]
    logins = {r[0]: int(r[1]) for r in await db.fetchall(
        "SELECT week, count(*) FROM login_weeks WHERE week >= ? GROUP BY week", (starts[-1].strftime("%Y-%m-%d"),))}
    registered = [r[0] for r in await db.fetchall("SELECT created_at FROM users WHERE created_at >= ?",
                                                  (iso(starts[-1]),))]
    out = []
    for start in starts:
        end = start + dt.timedelta(weeks=1)
        posted = await db.fetchval(
            "SELECT count(*) FROM statuses WHERE id >= ? AND id < ? AND local = 1 AND reblog_of_id IS NULL",
            (id_for_time(_ms(start)), id_for_time(_ms(end))))
        joined = sum(1 for stamp in registered if iso(start) <= stamp < iso(end))
        out.append(Week(start, int(posted or 0), logins.get(start.strftime("%Y-%m-%d"), 0), joined))
    return out
