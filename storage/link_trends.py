"""Trending links: the preview cards of this node's own recent public
statuses, ranked as Mastodon ranks links (by how many accounts shared
each, then how often), with a week of daily history per card."""

from __future__ import annotations

from collections.abc import Sequence

from storage.cards import CardRow
from storage.database import Database
from storage.rows import placeholders
from storage.clock import iso
from storage.tag_queries import HISTORY_DAYS, DayUse, day_starts

_SHARED = (
    " FROM status_cards sc JOIN statuses s ON s.id = sc.status_id JOIN accounts a ON a.id = s.account_id"
    " WHERE s.local = 1 AND s.visibility = 'public' AND s.state = 'published' AND s.deleted_at IS NULL"
    " AND s.reblog_of_id IS NULL AND a.suspended_at IS NULL AND a.silenced_at IS NULL AND a.discoverable = 1"
    " AND s.created_at >= ?")


async def trending_cards(db: Database, limit: int, offset: int = 0, days: int = HISTORY_DAYS) -> list[CardRow]:
    since = iso(day_starts(days)[-1])
    rows = await db.fetchall(
        "SELECT c.* FROM preview_cards c JOIN (SELECT sc.card_id, count(DISTINCT s.account_id) AS sharers,"
        f" count(*) AS uses{_SHARED} GROUP BY sc.card_id) ranked ON ranked.card_id = c.id"
        " ORDER BY ranked.sharers DESC, ranked.uses DESC, c.id DESC LIMIT ? OFFSET ?", (since, limit, offset))
    return [CardRow(*tuple(r)) for r in rows]


async def card_usage(db: Database, card_ids: Sequence[int], days: int = HISTORY_DAYS) -> dict[int, list[DayUse]]:
    """Per card, one entry per day, today first (Mastodon's history)."""
    if not card_ids:
        return {}
    starts = day_starts(days)
    rows = await db.fetchall(
        "SELECT sc.card_id, substr(s.created_at, 1, 10) AS day, count(*) AS uses,"
        f" count(DISTINCT s.account_id) AS accounts{_SHARED} AND sc.card_id IN ({placeholders(card_ids)})"
        " GROUP BY sc.card_id, substr(s.created_at, 1, 10)", [iso(starts[-1]), *card_ids])
    counts = {(r["card_id"], r["day"]): (r["uses"], r["accounts"]) for r in rows}
    return {c: [DayUse(int(d.timestamp()), *counts.get((c, d.strftime("%Y-%m-%d")), (0, 0))) for d in starts]
            for c in card_ids}
