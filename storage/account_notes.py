"""Private notes on accounts (Mastodon's AccountNote): one per (author,
target), read back only through the author's Relationship entity
(`storage.relationships.relationships`)."""

from __future__ import annotations

from storage.clock import now_iso
from storage.database import Database
from storage.ids import IdGenerator


async def set_note(db: Database, ids: IdGenerator, account_id: int, target_id: int, comment: str) -> None:
    """Save the note; an empty comment removes it, as Mastodon."""
    if not comment:
        await db.execute("DELETE FROM account_notes WHERE account_id = ? AND target_id = ?",
                         (account_id, target_id))
        return
    stamp = now_iso()
    await db.execute(
        "INSERT INTO account_notes (id, account_id, target_id, comment, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?) ON CONFLICT (account_id, target_id) DO UPDATE SET"
        " comment = excluded.comment, updated_at = excluded.updated_at",
        (ids.next_id(), account_id, target_id, comment, stamp, stamp))
