"""Follow suggestions, as Mastodon's AccountSuggestions: staff picks
(source `featured`) first, then friends of friends (accounts followed by
the accounts you follow, most shared first, then most followed; source
`friends_of_friends`); each account once, with every source that named it.

Never suggested: yourself, accounts you follow or asked to follow, that
you block or mute or that block you, on a domain you block, that you
dismissed, suspended or moved accounts, and (friends of friends only)
accounts that opted out of discovery, as Mastodon.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database
from storage.ids import IdGenerator

FEATURED, FRIENDS_OF_FRIENDS = "featured", "friends_of_friends"


@dataclass(frozen=True, slots=True)
class Suggestion:
    account_id: int
    sources: tuple[str, ...]


_ELIGIBLE = """
a.id <> :viewer AND a.suspended_at IS NULL AND a.moved_to_id IS NULL
AND a.id NOT IN (SELECT target_id FROM follows WHERE account_id = :viewer)
AND a.id NOT IN (SELECT target_id FROM follow_requests WHERE account_id = :viewer)
AND a.id NOT IN (SELECT target_id FROM blocks WHERE account_id = :viewer)
AND a.id NOT IN (SELECT account_id FROM blocks WHERE target_id = :viewer)
AND a.id NOT IN (SELECT target_id FROM mutes WHERE account_id = :viewer)
AND a.id NOT IN (SELECT target_id FROM suggestion_dismissals WHERE account_id = :viewer)
AND (a.domain IS NULL OR a.domain NOT IN (SELECT domain FROM account_domain_blocks WHERE account_id = :viewer))
AND (a.domain IS NOT NULL OR a.id IN (SELECT account_id FROM users WHERE approved = 1 AND disabled = 0))
"""


async def _featured(db: Database, viewer_id: int, limit: int) -> list[int]:
    rows = await db.fetchall(
        f"SELECT a.id FROM suggestion_picks p JOIN accounts a ON a.id = p.account_id WHERE {_ELIGIBLE}"
        " ORDER BY p.created_at DESC, a.id LIMIT :limit", {"viewer": viewer_id, "limit": limit})
    return [int(r[0]) for r in rows]


async def _friends_of_friends(db: Database, viewer_id: int, limit: int) -> list[int]:
    rows = await db.fetchall(
        "SELECT a.id, count(*) AS frequency, a.followers_count FROM follows mine"
        " JOIN follows theirs ON theirs.account_id = mine.target_id JOIN accounts a ON a.id = theirs.target_id"
        f" WHERE mine.account_id = :viewer AND a.discoverable = 1 AND {_ELIGIBLE}"
        " GROUP BY a.id, a.followers_count ORDER BY frequency DESC, a.followers_count DESC, a.id LIMIT :limit",
        {"viewer": viewer_id, "limit": limit})
    return [int(r[0]) for r in rows]


async def suggestions_for(db: Database, viewer_id: int, limit: int) -> list[Suggestion]:
    found: dict[int, list[str]] = {}
    for source, ids in ((FEATURED, await _featured(db, viewer_id, limit)),
                        (FRIENDS_OF_FRIENDS, await _friends_of_friends(db, viewer_id, limit))):
        for account_id in ids:
            found.setdefault(account_id, []).append(source)
    return [Suggestion(a, tuple(s)) for a, s in list(found.items())[:limit]]


async def dismiss(db: Database, ids: IdGenerator, viewer_id: int, target_id: int) -> None:
    await db.execute("INSERT INTO suggestion_dismissals (id, account_id, target_id, created_at) VALUES (?,?,?,?)"
                     " ON CONFLICT (account_id, target_id) DO NOTHING", (ids.next_id(), viewer_id, target_id,
                                                                         now_iso()))


async def pick(db: Database, account_id: int, picked_by: int | None) -> bool:
    """Make a staff pick; False if it already was one."""
    async with db.write() as w:
        return await w.rowcount("INSERT INTO suggestion_picks (account_id, picked_by, created_at) VALUES (?,?,?)"
                                " ON CONFLICT (account_id) DO NOTHING", (account_id, picked_by, now_iso())) > 0


async def unpick(db: Database, account_id: int) -> bool:
    return await db.execute("DELETE FROM suggestion_picks WHERE account_id = ?", (account_id,)) > 0


async def picks(db: Database) -> list[int]:
    rows = await db.fetchall("SELECT account_id FROM suggestion_picks ORDER BY created_at DESC, account_id")
    return [int(r[0]) for r in rows]
