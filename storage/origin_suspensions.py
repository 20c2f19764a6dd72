"""Remote accounts suspended by their origin (see migration 0031).

An inbound Delete of an actor hides the account here (`suspended_at`) and
records that its origin did it; the origin's Update of the actor lifts
it, unless this node's moderators suspended the account themselves (an
open `suspend` sanction), which only they lift.
"""

from __future__ import annotations

from storage.clock import now_iso
from storage.database import Database, Writer


async def mark(w: Writer, account_id: int, activity_id: str) -> bool:
    """Hide a remote account its origin deleted; False if it was hidden already."""
    stamp = now_iso()
    await w.execute("INSERT INTO origin_suspensions (account_id, activity_id, at) VALUES (?, ?, ?)"
                    " ON CONFLICT (account_id) DO UPDATE SET activity_id = excluded.activity_id,"
                    " at = excluded.at", (account_id, activity_id, stamp))
    return await w.rowcount("UPDATE accounts SET suspended_at = ? WHERE id = ? AND domain IS NOT NULL"
                            " AND suspended_at IS NULL", (stamp, account_id)) == 1


async def lift(w: Writer, account_id: int) -> bool:
    """The origin restored the account: unhide it unless a local suspension
    still applies; True when it became visible again."""
    if await w.rowcount("DELETE FROM origin_suspensions WHERE account_id = ?", (account_id,)) == 0:
        return False
    local = await w.fetchone(
        "SELECT 1 FROM account_sanctions WHERE account_id = ? AND action = 'suspend' AND lifted_at IS NULL"
        " AND (expires_at IS NULL OR expires_at > ?)", (account_id, now_iso()))
    if local is not None:
        return False
    return await w.rowcount("UPDATE accounts SET suspended_at = NULL WHERE id = ? AND domain IS NOT NULL"
                            " AND deleted_at IS NULL",
                            (account_id,)) == 1


async def is_marked(db: Database, account_id: int) -> bool:
    return await db.fetchval("SELECT 1 FROM origin_suspensions WHERE account_id = ?", (account_id,)) is not None


async def keep(w: Writer, account_id: int) -> bool:
    """After this node lifted its own suspension of a remote account: hidden
    again if its origin still has it deleted; True when so."""
    return await w.rowcount(
        "UPDATE accounts SET suspended_at = (SELECT at FROM origin_suspensions WHERE account_id = :id)"
        " WHERE id = :id AND suspended_at IS NULL"
        " AND EXISTS (SELECT 1 FROM origin_suspensions WHERE account_id = :id)", {"id": account_id}) == 1
