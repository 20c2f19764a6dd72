"""Lists of accounts a user follows, for list timelines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import placeholders, to_row, to_rows

REPLIES_POLICIES = ("followed", "list", "none")


@dataclass(frozen=True, slots=True)
class ListRow:
    id: int
    account_id: int
    title: str
    replies_policy: str
    exclusive: int
    created_at: str


async def owned_lists(db: Database, account_id: int) -> list[ListRow]:
    return to_rows(ListRow, await db.fetchall(
        "SELECT * FROM lists WHERE account_id = ? ORDER BY id", (account_id,)))


async def get_list(db: Database, account_id: int, list_id: int) -> ListRow | None:
    return to_row(ListRow, await db.fetchone(
        "SELECT * FROM lists WHERE id = ? AND account_id = ?", (list_id, account_id)))


async def lists_with_member(db: Database, account_id: int, member_id: int) -> list[ListRow]:
    return to_rows(ListRow, await db.fetchall(
        "SELECT l.* FROM lists l JOIN list_accounts la ON la.list_id = l.id"
        " WHERE l.account_id = ? AND la.account_id = ? ORDER BY l.id", (account_id, member_id)))


async def create_list(db: Database, list_id: int, account_id: int, title: str,
                      replies_policy: str, exclusive: bool) -> ListRow:
    await db.execute(
        "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at)"
        " VALUES (?,?,?,?,?,?)", (list_id, account_id, title, replies_policy, int(exclusive), now_iso()))
    row = await get_list(db, account_id, list_id)
    assert row is not None
    return row


async def update_list(db: Database, row: ListRow, title: str, replies_policy: str, exclusive: bool) -> ListRow:
    await db.execute(
        "UPDATE lists SET title = ?, replies_policy = ?, exclusive = ? WHERE id = ?",
        (title, replies_policy, int(exclusive), row.id))
    updated = await get_list(db, row.account_id, row.id)
    assert updated is not None
    return updated


async def delete_list(db: Database, row: ListRow) -> None:
    await db.execute("DELETE FROM lists WHERE id = ?", (row.id,))


async def member_ids(db: Database, list_id: int, max_id: int | None, since_id: int | None,
                     limit: int | None) -> list[int]:
    """Members by account id, newest account first; no limit when None."""
    sql = "SELECT account_id FROM list_accounts WHERE list_id = ?"
    args: list[object] = [list_id]
    if max_id is not None:
        sql, args = sql + " AND account_id < ?", [*args, max_id]
    if since_id is not None:
        sql, args = sql + " AND account_id > ?", [*args, since_id]
    sql += " ORDER BY account_id DESC"
    if limit is not None:
        sql, args = sql + " LIMIT ?", [*args, limit]
    return [r[0] for r in await db.fetchall(sql, args)]


async def not_followed(db: Database, owner_id: int, account_ids: Sequence[int]) -> list[int]:
    """Those of `account_ids` the owner neither follows nor asked to follow."""
    if not account_ids:
        return []
    rows = await db.fetchall(
        f"SELECT target_id FROM follows WHERE account_id = ? AND target_id IN ({placeholders(account_ids)})"
        f" UNION SELECT target_id FROM follow_requests WHERE account_id = ?"
        f" AND target_id IN ({placeholders(account_ids)})",
        [owner_id, *account_ids, owner_id, *account_ids])
    followed = {r[0] for r in rows}
    return [i for i in account_ids if i not in followed]


async def already_members(db: Database, list_id: int, account_ids: Sequence[int]) -> list[int]:
    if not account_ids:
        return []
    rows = await db.fetchall(
        f"SELECT account_id FROM list_accounts WHERE list_id = ? AND account_id IN ({placeholders(account_ids)})",
        [list_id, *account_ids])
    return [r[0] for r in rows]


async def add_members(db: Database, list_id: int, account_ids: Sequence[int]) -> None:
    async with db.write() as w:
        await w.executemany("INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                            [(list_id, a) for a in account_ids])


async def remove_members(db: Database, list_id: int, account_ids: Sequence[int]) -> None:
    async with db.write() as w:
        await w.executemany("DELETE FROM list_accounts WHERE list_id = ? AND account_id = ?",
                            [(list_id, a) for a in account_ids])


async def drop_from_lists(w: Writer, owner_id: int, target_id: int) -> None:
    """Unfollowing removes the account from the owner's lists, as in Mastodon."""
    await w.execute(
        "DELETE FROM list_accounts WHERE account_id = ? AND list_id IN (SELECT id FROM lists WHERE account_id = ?)",
        (target_id, owner_id))
