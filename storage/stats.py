"""Node-wide counts for instance documents and NodeInfo."""

from __future__ import annotations

import datetime as dt

from storage.clock import iso, now
from storage.database import Database


async def node_counts(db: Database) -> dict[str, int]:
    row = await db.fetchone(
        "SELECT (SELECT count(*) FROM users) AS user_count,"
        " (SELECT count(*) FROM statuses WHERE local = 1 AND deleted_at IS NULL) AS status_count,"
        " (SELECT count(DISTINCT domain) FROM accounts WHERE domain IS NOT NULL) AS domain_count"
    )
    assert row is not None
    return {"user_count": row["user_count"], "status_count": row["status_count"],
            "domain_count": row["domain_count"]}


async def active_users(db: Database, days: int) -> int:
    since = iso(now() - dt.timedelta(days=days))
    return int(await db.fetchval(
        "SELECT count(*) FROM users WHERE coalesce(last_sign_in_at, created_at) >= ?", (since,)
    ) or 0)
