"""What one account keeps, read for its export: the people it follows,
blocks and mutes (with their addresses), its lists, bookmarks, likes and
its own statuses. Plain reads; the export module turns them into files.

Addresses are `username@domain`; a local account's domain is NULL here and
the caller adds the node's own. Never reads `users` or identity tables:
nothing of the legal identity can reach an archive through this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from storage.database import Database
from storage.statuses import STATUS_COLUMNS, StatusRow, status_row


@dataclass(frozen=True, slots=True)
class Handle:
    """An account as a CSV names it."""

    username: str
    domain: str | None


@dataclass(frozen=True, slots=True)
class FollowedRow:
    target: Handle
    show_reblogs: bool
    notify: bool
    languages: str | None  # the JSON array as stored, NULL for all


@dataclass(frozen=True, slots=True)
class MutedRow:
    target: Handle
    hide_notifications: bool


@dataclass(frozen=True, slots=True)
class ListedRow:
    title: str
    member: Handle


async def following(db: Database, account_id: int) -> list[FollowedRow]:
    """Active follows, newest first (Mastodon's order); requests still unanswered too,
    since the person asked to follow them."""
    rows = await db.fetchall(
        "SELECT a.username, a.domain, f.show_reblogs, f.notify, f.languages, f.id FROM follows f"
        " JOIN accounts a ON a.id = f.target_id WHERE f.account_id = ?"
        " UNION ALL SELECT a.username, a.domain, r.show_reblogs, r.notify, r.languages, r.id FROM follow_requests r"
        " JOIN accounts a ON a.id = r.target_id WHERE r.account_id = ? ORDER BY 6 DESC",
        (account_id, account_id))
    return [FollowedRow(Handle(r[0], r[1]), bool(r[2]), bool(r[3]), r[4]) for r in rows]


async def blocked(db: Database, account_id: int) -> list[Handle]:
    rows = await db.fetchall(
        "SELECT a.username, a.domain FROM blocks b JOIN accounts a ON a.id = b.target_id"
        " WHERE b.account_id = ? ORDER BY b.id DESC", (account_id,))
    return [Handle(r[0], r[1]) for r in rows]


async def muted(db: Database, account_id: int) -> list[MutedRow]:
    rows = await db.fetchall(
        "SELECT a.username, a.domain, m.hide_notifications FROM mutes m JOIN accounts a ON a.id = m.target_id"
        " WHERE m.account_id = ? ORDER BY m.id DESC", (account_id,))
    return [MutedRow(Handle(r[0], r[1]), bool(r[2])) for r in rows]


async def listed(db: Database, account_id: int) -> list[ListedRow]:
    rows = await db.fetchall(
        "SELECT l.title, a.username, a.domain FROM lists l JOIN list_accounts la ON la.list_id = l.id"
        " JOIN accounts a ON a.id = la.account_id WHERE l.account_id = ? ORDER BY l.id, a.id", (account_id,))
    return [ListedRow(r[0], Handle(r[1], r[2])) for r in rows]


async def bookmarked_uris(db: Database, account_id: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT s.uri FROM bookmarks b JOIN statuses s ON s.id = b.status_id"
        " WHERE b.account_id = ? AND s.deleted_at IS NULL ORDER BY b.id DESC", (account_id,))
    return [r[0] for r in rows]


async def liked_uris(db: Database, account_id: int) -> list[str]:
    rows = await db.fetchall(
        "SELECT s.uri FROM favourites f JOIN statuses s ON s.id = f.status_id"
        " WHERE f.account_id = ? AND s.deleted_at IS NULL ORDER BY f.id DESC", (account_id,))
    return [r[0] for r in rows]


async def own_statuses(db: Database, account_id: int, batch: int = 200) -> AsyncIterator[StatusRow]:
    """The account's published posts (boosts left out), oldest first, a batch
    per query so a long history is never held whole."""
    after = 0
    while True:
        rows = await db.fetchall(
            f"SELECT {STATUS_COLUMNS} FROM statuses WHERE account_id = ? AND id > ? AND reblog_of_id IS NULL"
            " AND state = 'published' AND deleted_at IS NULL ORDER BY id LIMIT ?", (account_id, after, batch))
        for row in rows:
            status = status_row(row)
            assert status is not None
            yield status
        if len(rows) < batch:
            return
        after = rows[-1][0]


# ---- what an import in overwrite mode compares with -----------------------------

async def followed_ids(db: Database, account_id: int) -> set[int]:
    """Accounts followed or asked to follow."""
    rows = await db.fetchall("SELECT target_id FROM follows WHERE account_id = ?"
                             " UNION SELECT target_id FROM follow_requests WHERE account_id = ?",
                             (account_id, account_id))
    return {r[0] for r in rows}


async def blocked_ids(db: Database, account_id: int) -> set[int]:
    return {r[0] for r in await db.fetchall("SELECT target_id FROM blocks WHERE account_id = ?", (account_id,))}


async def muted_ids(db: Database, account_id: int) -> set[int]:
    return {r[0] for r in await db.fetchall("SELECT target_id FROM mutes WHERE account_id = ?", (account_id,))}


async def bookmarked_ids(db: Database, account_id: int) -> set[int]:
    return {r[0] for r in await db.fetchall("SELECT status_id FROM bookmarks WHERE account_id = ?", (account_id,))}
