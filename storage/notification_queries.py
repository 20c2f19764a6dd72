"""Notifications, the read side: pages, single rows, groups, unread counts.

A notification is shown while its sender is not suspended and its status
(if any) is published and not deleted. Pages follow Mastodon: `max_id`
and `since_id` give the newest rows below/above a bound, `min_id` the rows
immediately after it (fetched oldest first, returned newest first).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from storage.database import Database
from storage.notifications import GROUPABLE
from storage.rows import placeholders, to_row, to_rows
from storage.timelines import Page

SAMPLE_ACCOUNTS = 8


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    account_id: int
    from_account_id: int
    type: str
    status_id: int | None
    group_key: str
    extra_json: str | None
    created_at: str


@dataclass(frozen=True, slots=True)
class Selection:
    """Which notifications: `types` None for every type (else only these,
    perhaps none), optionally only those from one account, and those a
    notification policy filtered only with `include_filtered`."""

    types: frozenset[str] | None = None
    from_account_id: int | None = None
    include_filtered: bool = False


@dataclass(frozen=True, slots=True)
class GroupData:
    """One group's totals, counted up to the newest notification on a page."""

    group_key: str
    most_recent_id: int
    sample_account_ids: tuple[int, ...]
    count: int
    page_min_id: int | None = None
    latest_at: str | None = None


@dataclass(slots=True)
class _Where:
    sql: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def add(self, sql: str, *args: Any) -> None:
        self.sql.append(sql)
        self.args.extend(args)

    def text(self) -> str:
        return " AND ".join(self.sql)


_FROM = (
    " FROM notifications n JOIN accounts a ON a.id = n.from_account_id"
    " LEFT JOIN statuses s ON s.id = n.status_id"
)
_SHOWN = "a.suspended_at IS NULL AND (n.status_id IS NULL OR (s.deleted_at IS NULL AND s.state = 'published'))"


def _selection(account_id: int, sel: Selection) -> _Where:
    where = _Where()
    where.add("n.account_id = ?", account_id)
    where.add(_SHOWN)
    if not sel.include_filtered:
        where.add("n.filtered = 0")
    if sel.types is not None:
        kinds = sorted(sel.types)
        where.add(f"n.type IN ({placeholders(kinds)})" if kinds else "1 = 0", *kinds)
    if sel.from_account_id is not None:
        where.add("n.from_account_id = ?", sel.from_account_id)
    return where


def _bounds(where: _Where, page: Page) -> str:
    """Adds the id bounds; returns the ORDER BY direction."""
    if page.max_id is not None:
        where.add("n.id < ?", page.max_id)
    if page.min_id is not None:
        where.add("n.id > ?", page.min_id)
        return "ASC"
    if page.since_id is not None:
        where.add("n.id > ?", page.since_id)
    return "DESC"


async def list_notifications(db: Database, account_id: int, sel: Selection, page: Page) -> list[NotificationRow]:
    """One page, newest first."""
    where = _selection(account_id, sel)
    order = _bounds(where, page)
    rows = to_rows(NotificationRow, await db.fetchall(
        f"SELECT n.*{_FROM} WHERE {where.text()} ORDER BY n.id {order} LIMIT ?", [*where.args, page.limit]))
    return rows if order == "DESC" else rows[::-1]


async def get_notification(db: Database, account_id: int, notification_id: int) -> NotificationRow | None:
    """One notification by id, filtered or not (as Mastodon's show)."""
    where = _selection(account_id, Selection(include_filtered=True))
    where.add("n.id = ?", notification_id)
    return to_row(NotificationRow, await db.fetchone(f"SELECT n.*{_FROM} WHERE {where.text()}", where.args))


async def count_after(db: Database, account_id: int, sel: Selection, after_id: int | None, limit: int) -> int:
    """Notifications newer than `after_id` (the read marker), at most `limit`."""
    where = _selection(account_id, sel)
    if after_id is not None:
        where.add("n.id > ?", after_id)
    return int(await db.fetchval(
        f"SELECT count(*) FROM (SELECT n.id{_FROM} WHERE {where.text()} ORDER BY n.id LIMIT ?) AS unread",
        [*where.args, limit]) or 0)


def effective_key(row: NotificationRow, grouped_types: Iterable[str] | None) -> str:
    """The group a row belongs to when only `grouped_types` may group
    (None: every groupable type; empty: none)."""
    allowed = GROUPABLE if grouped_types is None else GROUPABLE & frozenset(grouped_types)
    return row.group_key if row.type in allowed else f"ungrouped-{row.id}"


async def list_group_heads(db: Database, account_id: int, sel: Selection, page: Page,
                           grouped_types: Iterable[str] | None = None) -> list[NotificationRow]:
    """Notifications in page order, at most one per group, `page.limit` groups.

    Mastodon walks the notifications and skips those whose group is
    already on the page; the walk happens here in batches.
    """
    grouped = None if grouped_types is None else tuple(grouped_types)
    heads: list[NotificationRow] = []
    seen: set[str] = set()
    cursor, batch = page, max(page.limit * 3, 60)
    while len(heads) < page.limit:
        rows = await list_notifications(db, account_id, sel, Page(limit=batch, max_id=cursor.max_id,
                                                                  since_id=cursor.since_id, min_id=cursor.min_id))
        ascending = cursor.min_id is not None
        for row in (rows[::-1] if ascending else rows):
            key = effective_key(row, grouped)
            if key not in seen and len(heads) < page.limit:
                seen.add(key)
                heads.append(row)
        if len(rows) < batch:
            break
        cursor = (Page(limit=batch, max_id=cursor.max_id, min_id=rows[0].id) if ascending
                  else Page(limit=batch, max_id=rows[-1].id, since_id=cursor.since_id))
    heads.sort(key=lambda r: r.id, reverse=True)
    return heads


async def load_groups(db: Database, account_id: int, keys: list[str],
                      upto: int | None = None, page_from: int | None = None) -> dict[str, GroupData]:
    """Totals per group key, counting notifications with id <= `upto`;
    `page_from` (the page's oldest id) also gives each group's page_min_id."""
    if not keys:
        return {}
    where = _selection(account_id, Selection())
    where.add(f"n.group_key IN ({placeholders(keys)})", *keys)
    if upto is not None:
        where.add("n.id <= ?", upto)
    rows = await db.fetchall(
        f"SELECT n.group_key, max(n.id) AS newest, count(*) AS total, max(n.created_at) AS latest"
        f"{_FROM} WHERE {where.text()} GROUP BY n.group_key", where.args)
    samples = await db.fetchall(
        f"SELECT group_key, from_account_id FROM (SELECT n.group_key, n.from_account_id, row_number()"
        f" OVER (PARTITION BY n.group_key ORDER BY n.id DESC) AS rank{_FROM} WHERE {where.text()}) AS ranked"
        f" WHERE rank <= ? ORDER BY group_key, rank", [*where.args, SAMPLE_ACCOUNTS])
    by_key: dict[str, list[int]] = {}
    for s in samples:
        ids = by_key.setdefault(s["group_key"], [])
        if s["from_account_id"] not in ids:
            ids.append(s["from_account_id"])
    mins = await _page_mins(db, account_id, keys, page_from) if page_from is not None else {}
    return {r["group_key"]: GroupData(r["group_key"], r["newest"], tuple(by_key.get(r["group_key"], ())),
                                      r["total"], mins.get(r["group_key"]),
                                      r["latest"] if page_from is not None else None)
            for r in rows}


async def _page_mins(db: Database, account_id: int, keys: list[str], page_from: int) -> dict[str, int]:
    where = _selection(account_id, Selection())
    where.add(f"n.group_key IN ({placeholders(keys)})", *keys)
    where.add("n.id >= ?", page_from)
    rows = await db.fetchall(f"SELECT n.group_key, min(n.id){_FROM} WHERE {where.text()} GROUP BY n.group_key",
                             where.args)
    return {r[0]: r[1] for r in rows}


def _key_filter(where: _Where, group_key: str) -> None:
    """`ungrouped-{id}` also names a groupable notification shown alone
    (when a client restricted grouped_types), as in Mastodon."""
    single = group_key.removeprefix("ungrouped-")
    if single != group_key and single.isdigit():
        where.add("n.id = ?", int(single))
    else:
        where.add("n.group_key = ?", group_key)


async def latest_in_group(db: Database, account_id: int, group_key: str) -> NotificationRow | None:
    where = _selection(account_id, Selection())
    _key_filter(where, group_key)
    return to_row(NotificationRow, await db.fetchone(
        f"SELECT n.*{_FROM} WHERE {where.text()} ORDER BY n.id DESC LIMIT 1", where.args))


async def group_members(db: Database, account_id: int, group_key: str, page: Page) -> list[NotificationRow]:
    """The notifications of one group, newest first (for .../accounts)."""
    where = _selection(account_id, Selection())
    _key_filter(where, group_key)
    order = _bounds(where, page)
    rows = to_rows(NotificationRow, await db.fetchall(
        f"SELECT n.*{_FROM} WHERE {where.text()} ORDER BY n.id {order} LIMIT ?", [*where.args, page.limit]))
    return rows if order == "DESC" else rows[::-1]


async def newest_notification_id(db: Database) -> int:
    """Where a streaming tail starts: nothing older is sent."""
    return int(await db.fetchval("SELECT coalesce(max(id), 0) FROM notifications") or 0)


async def notifications_between(db: Database, after_id: int, up_to: int, account_ids: Iterable[int],
                                limit: int) -> list[NotificationRow]:
    """Shown notifications of these accounts with ids in (after_id, up_to],
    oldest first. Ids come from one counter inside the write transaction,
    so they commit in order and a tail by id misses none."""
    ids = list(account_ids)
    if not ids:
        return []
    return to_rows(NotificationRow, await db.fetchall(
        f"SELECT n.*{_FROM} WHERE n.id > ? AND n.id <= ? AND n.account_id IN ({placeholders(ids)})"
        f" AND {_SHOWN} AND n.filtered = 0 ORDER BY n.id LIMIT ?", [after_id, up_to, *ids, limit]))
