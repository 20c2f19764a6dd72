"""Endorsements (Mastodon's AccountPin): followed accounts a user features
on their profile. Only a followed account may be endorsed, checked in the
write transaction; ending the follow ends the endorsement
(`storage.relationships._delete_follow`), as Mastodon's Follow callback."""

from __future__ import annotations

from storage.clock import now_iso
from storage.database import Database
from storage.ids import IdGenerator
from storage.relationships import Edge
from storage.timelines import Page, newest_first, page_sql


async def endorse(db: Database, ids: IdGenerator, account_id: int, target_id: int) -> bool:
    """Endorse; False (nothing stored) unless `account_id` follows `target_id`."""
    async with db.write() as w:
        follows = await w.fetchone("SELECT 1 FROM follows WHERE account_id = ? AND target_id = ?",
                                   (account_id, target_id))
        if follows is None:
            return False
        await w.execute("INSERT INTO account_pins (id, account_id, target_id, created_at) VALUES (?,?,?,?)"
                        " ON CONFLICT (account_id, target_id) DO NOTHING",
                        (ids.next_id(), account_id, target_id, now_iso()))
        return True


async def unendorse(db: Database, account_id: int, target_id: int) -> None:
    await db.execute("DELETE FROM account_pins WHERE account_id = ? AND target_id = ?", (account_id, target_id))


async def endorsement_edges(db: Database, owner_id: int, page: Page) -> list[Edge]:
    """The accounts `owner_id` endorses, newest endorsement first, paged on
    the endorsement's id; suspended accounts are left out."""
    where, order, paging = page_sql(page, "p.id")
    rows = await db.fetchall(
        "SELECT p.id, p.target_id FROM account_pins p JOIN accounts a ON a.id = p.target_id"
        f" WHERE p.account_id = :owner AND a.suspended_at IS NULL AND {where} {order}",
        {**paging, "owner": owner_id})
    return newest_first(page, [Edge(r[0], r[1]) for r in rows])
