"""Hashtags as clients browse them: lookup, search, follows, usage, trends.

Tags are created where statuses are written (`storage.status_writes`);
`ensure_tag` creates one for a follow of a tag nobody used yet. Names
match case-insensitively. Usage counts published public statuses only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import iso, now, now_iso
from storage.database import Database
from storage.ids import IdGenerator
from storage.rows import placeholders, to_row, to_rows

HISTORY_DAYS = 7
_PUBLIC = "s.visibility = 'public' AND s.state = 'published' AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL"


@dataclass(frozen=True, slots=True)
class TagRow:
    id: int
    name: str
    created_at: str


@dataclass(frozen=True, slots=True)
class DayUse:
    day: int       # unix time of the UTC midnight starting the day
    uses: int      # statuses
    accounts: int  # distinct authors


async def find_tag(db: Database, name: str) -> TagRow | None:
    return to_row(TagRow, await db.fetchone("SELECT * FROM tags WHERE lower(name) = lower(?)", (name,)))


async def ensure_tag(db: Database, ids: IdGenerator, name: str) -> TagRow:
    async with db.write() as w:
        await w.execute(
            "INSERT INTO tags (id, name, created_at) SELECT ?, ?, ?"
            " WHERE NOT EXISTS (SELECT 1 FROM tags WHERE lower(name) = lower(?))",
            (ids.next_id(), name, now_iso(), name))
    row = await find_tag(db, name)
    assert row is not None
    return row


async def search_tags(db: Database, prefix: str, limit: int, offset: int = 0) -> list[TagRow]:
    """Tags whose name starts with `prefix`, shortest first, as Mastodon orders them."""
    pattern = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return to_rows(TagRow, await db.fetchall(
        "SELECT * FROM tags WHERE lower(name) LIKE ? ESCAPE '\\' ORDER BY length(name), lower(name)"
        " LIMIT ? OFFSET ?", (pattern, limit, offset)))


async def follow_tag(db: Database, account_id: int, tag_id: int) -> None:
    await db.execute("INSERT INTO tag_follows (account_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                     (account_id, tag_id))


async def unfollow_tag(db: Database, account_id: int, tag_id: int) -> None:
    await db.execute("DELETE FROM tag_follows WHERE account_id = ? AND tag_id = ?", (account_id, tag_id))


async def followed_by(db: Database, account_id: int | None, tag_ids: Sequence[int]) -> frozenset[int]:
    if account_id is None or not tag_ids:
        return frozenset()
    rows = await db.fetchall(
        f"SELECT tag_id FROM tag_follows WHERE account_id = ? AND tag_id IN ({placeholders(tag_ids)})",
        [account_id, *tag_ids])
    return frozenset(r[0] for r in rows)


async def followed_tags(db: Database, account_id: int, max_id: int | None, since_id: int | None,
                        limit: int) -> list[TagRow]:
    """The tags an account follows, paged by tag id, newest first."""
    sql = "SELECT t.* FROM tags t JOIN tag_follows f ON f.tag_id = t.id WHERE f.account_id = ?"
    args: list[object] = [account_id]
    if max_id is not None:
        sql, args = sql + " AND t.id < ?", [*args, max_id]
    if since_id is not None:
        sql, args = sql + " AND t.id > ?", [*args, since_id]
    return to_rows(TagRow, await db.fetchall(sql + " ORDER BY t.id DESC LIMIT ?", [*args, limit]))


def day_starts(days: int) -> list[dt.datetime]:
    today = now().replace(hour=0, minute=0, second=0, microsecond=0)
    return [today - dt.timedelta(days=n) for n in range(days)]


def zero_usage(days: int = HISTORY_DAYS) -> list[DayUse]:
    return [DayUse(int(d.timestamp()), 0, 0) for d in day_starts(days)]


async def usage(db: Database, tag_ids: Sequence[int], days: int = HISTORY_DAYS) -> dict[int, list[DayUse]]:
    """Per tag, one entry per day, today first (Mastodon's Tag history)."""
    if not tag_ids:
        return {}
    starts = day_starts(days)
    rows = await db.fetchall(
        "SELECT st.tag_id, substr(s.created_at, 1, 10) AS day, count(*) AS uses,"
        " count(DISTINCT s.account_id) AS accounts FROM status_tags st JOIN statuses s ON s.id = st.status_id"
        f" WHERE st.tag_id IN ({placeholders(tag_ids)}) AND s.created_at >= ? AND {_PUBLIC}"
        " GROUP BY st.tag_id, day", [*tag_ids, iso(starts[-1])])
    counts = {(r["tag_id"], r["day"]): (r["uses"], r["accounts"]) for r in rows}
    return {t: [DayUse(int(d.timestamp()), *counts.get((t, d.strftime("%Y-%m-%d")), (0, 0))) for d in starts]
            for t in tag_ids}


async def trending_tags(db: Database, limit: int, offset: int = 0, days: int = HISTORY_DAYS) -> list[TagRow]:
    """Tags used by the most accounts in public statuses over the last `days`."""
    since = iso(day_starts(days)[-1])
    return to_rows(TagRow, await db.fetchall(
        "SELECT t.* FROM tags t JOIN status_tags st ON st.tag_id = t.id JOIN statuses s ON s.id = st.status_id"
        f" WHERE s.created_at >= ? AND {_PUBLIC} GROUP BY t.id"
        " ORDER BY count(DISTINCT s.account_id) DESC, count(*) DESC, t.id DESC LIMIT ? OFFSET ?",
        (since, limit, offset)))


async def trending_status_ids(db: Database, limit: int, offset: int = 0, days: int = 2) -> list[int]:
    """Recent public statuses with the most boosts and favourites."""
    since = iso(now() - dt.timedelta(days=days))
    rows = await db.fetchall(
        "SELECT s.id FROM statuses s JOIN accounts a ON a.id = s.account_id"
        f" WHERE s.created_at >= ? AND {_PUBLIC} AND a.suspended_at IS NULL AND a.silenced_at IS NULL"
        " AND a.discoverable = 1 AND s.reblogs_count + s.favourites_count > 0"
        " ORDER BY s.reblogs_count + s.favourites_count DESC, s.id DESC LIMIT ? OFFSET ?",
        (since, limit, offset))
    return [r[0] for r in rows]
