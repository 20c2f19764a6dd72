"""Moving accounts: a local account's aliases and the moves it made
(Mastodon's AccountAlias and AccountMigration), and the local followers a
move carries over. Where an account is now is `accounts.moved_to_id`."""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.rows import to_row, to_rows


@dataclass(frozen=True, slots=True)
class AliasRow:
    id: int
    account_id: int
    acct: str
    uri: str
    created_at: str


@dataclass(frozen=True, slots=True)
class MigrationRow:
    id: int
    account_id: int
    target_account_id: int | None
    acct: str
    followers_count: int
    created_at: str


async def add_alias(db: Database, ids: IdGenerator, account_id: int, acct: str, uri: str) -> bool:
    """False when the account has that alias already."""
    async with db.write() as w:
        return await w.rowcount(
            "INSERT INTO account_aliases (id, account_id, acct, uri, created_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT (account_id, uri) DO NOTHING",
            (ids.next_id(), account_id, acct, uri, now_iso())) > 0


async def remove_alias(db: Database, account_id: int, alias_id: int) -> AliasRow | None:
    """The alias removed; None when the account has no such alias."""
    async with db.write() as w:
        row = to_row(AliasRow, await w.fetchone(
            "SELECT * FROM account_aliases WHERE id = ? AND account_id = ?", (alias_id, account_id)))
        if row is not None:
            await w.execute("DELETE FROM account_aliases WHERE id = ?", (row.id,))
        return row


async def aliases_of(db: Database, account_id: int) -> list[AliasRow]:
    return to_rows(AliasRow, await db.fetchall(
        "SELECT * FROM account_aliases WHERE account_id = ? ORDER BY id", (account_id,)))


async def alias_uris(db: Database, account_id: int) -> list[str]:
    return [a.uri for a in await aliases_of(db, account_id)]


async def record_move(w: Writer, ids: IdGenerator, account_id: int, target_id: int, acct: str) -> None:
    """The account now points at `target_id`; the move is kept for the cooldown."""
    followers = await w.fetchval("SELECT followers_count FROM accounts WHERE id = ?", (account_id,))
    await w.execute(
        "INSERT INTO account_migrations (id, account_id, target_account_id, acct, followers_count, created_at)"
        " VALUES (?,?,?,?,?,?)", (ids.next_id(), account_id, target_id, acct, int(followers or 0), now_iso()))
    await w.execute("UPDATE accounts SET moved_to_id = ?, updated_at = ? WHERE id = ?",
                    (target_id, now_iso(), account_id))


async def last_move(db: Database, account_id: int) -> MigrationRow | None:
    return to_row(MigrationRow, await db.fetchone(
        "SELECT * FROM account_migrations WHERE account_id = ? ORDER BY created_at DESC, id DESC LIMIT 1",
        (account_id,)))


@dataclass(frozen=True, slots=True)
class FollowerRow:
    """A local follower (or requester) of an account, with what its follow asked for."""

    account_id: int
    show_reblogs: int
    notify: int
    languages: str | None


async def local_followers(db: Database, account_id: int) -> list[FollowerRow]:
    """Local accounts that follow `account_id` (or asked to): the ones a move
    of that account makes follow its new account, with the same options."""
    columns = "x.account_id, x.show_reblogs, x.notify, x.languages"
    rows = await db.fetchall(
        f"SELECT {columns} FROM follows x JOIN accounts a ON a.id = x.account_id"
        " WHERE x.target_id = ? AND a.domain IS NULL"
        f" UNION SELECT {columns} FROM follow_requests x JOIN accounts a ON a.id = x.account_id"
        " WHERE x.target_id = ? AND a.domain IS NULL ORDER BY 1", (account_id, account_id))
    return to_rows(FollowerRow, rows)


async def carry_mutes(db: Database, ids: IdGenerator, old_id: int, new_id: int) -> int:
    """Local accounts that mute `old_id` mute `new_id` too, with the same
    notifications and expiry (Mastodon's MoveWorker carries mutes over);
    an existing mute of the new account is left as it is. Returns how many."""
    async with db.write() as w:
        rows = await w.fetchall(
            "SELECT m.account_id, m.hide_notifications, m.expires_at FROM mutes m"
            " JOIN accounts a ON a.id = m.account_id WHERE m.target_id = ? AND a.domain IS NULL"
            " AND m.account_id <> ? ORDER BY m.account_id", (old_id, new_id))
        for account_id, hide, expires_at in rows:
            await w.execute(
                "INSERT INTO mutes (id, account_id, target_id, hide_notifications, expires_at, created_at)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT (account_id, target_id) DO NOTHING",
                (ids.next_id(), account_id, new_id, hide, expires_at, now_iso()))
    return len(rows)


async def carry_notes(db: Database, ids: IdGenerator, old_id: int, new_id: int) -> int:
    """Local accounts' private notes on `old_id` are copied to `new_id`,
    after any note they already keep there (Mastodon's copy_account_notes!).
    Returns how many."""
    stamp = now_iso()
    async with db.write() as w:
        rows = await w.fetchall(
            "SELECT n.account_id, n.comment, m.comment FROM account_notes n"
            " JOIN accounts a ON a.id = n.account_id"
            " LEFT JOIN account_notes m ON m.account_id = n.account_id AND m.target_id = ?"
            " WHERE n.target_id = ? AND a.domain IS NULL AND n.account_id <> ? ORDER BY n.account_id",
            (new_id, old_id, new_id))
        for account_id, comment, existing in rows:
            merged = f"{existing}\n\n{comment}" if existing else comment
            await w.execute(
                "INSERT INTO account_notes (id, account_id, target_id, comment, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT (account_id, target_id) DO UPDATE SET"
                " comment = excluded.comment, updated_at = excluded.updated_at",
                (ids.next_id(), account_id, new_id, merged, stamp, stamp))
    return len(rows)
