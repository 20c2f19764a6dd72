"""Who has a copy of a local account: the peers its suspension must reach.

Mastodon's AccountReachFinder, by relationships rather than recent
activity: the remote accounts that follow it (the outbox's followers
audience covers those) and the remote accounts it follows or asked to
follow, that asked to follow it, that it mentioned or replied to, that
replied to, boosted or favourited its statuses, or whose statuses it
boosted or favourited. Each of their nodes may hold the account and its
statuses.
"""

from __future__ import annotations

from storage.database import Database

_REACH = """
SELECT a.id FROM accounts a WHERE a.domain IS NOT NULL AND a.id IN (
  SELECT target_id FROM follows WHERE account_id = :me
  UNION SELECT target_id FROM follow_requests WHERE account_id = :me
  UNION SELECT account_id FROM follow_requests WHERE target_id = :me
  UNION SELECT m.account_id FROM mentions m JOIN statuses s ON s.id = m.status_id WHERE s.account_id = :me
  UNION SELECT in_reply_to_account_id FROM statuses WHERE account_id = :me AND in_reply_to_account_id IS NOT NULL
  UNION SELECT r.account_id FROM statuses r JOIN statuses s ON s.id = r.in_reply_to_id WHERE s.account_id = :me
  UNION SELECT r.account_id FROM statuses r JOIN statuses s ON s.id = r.reblog_of_id WHERE s.account_id = :me
  UNION SELECT o.account_id FROM statuses r JOIN statuses o ON o.id = r.reblog_of_id WHERE r.account_id = :me
  UNION SELECT f.account_id FROM favourites f JOIN statuses s ON s.id = f.status_id WHERE s.account_id = :me
  UNION SELECT s.account_id FROM favourites f JOIN statuses s ON s.id = f.status_id WHERE f.account_id = :me
) ORDER BY a.id LIMIT :limit
"""


async def interacted_remote_accounts(db: Database, account_id: int, limit: int = 100_000) -> list[int]:
    """Remote accounts related to `account_id` other than as followers."""
    rows = await db.fetchall(_REACH, {"me": account_id, "limit": limit})
    return [int(r[0]) for r in rows]
