"""The peers an instance document lists, under the permit registry.

Mastodon's `peers` are the domains of the accounts it knows; here only
those whose permit is active and unexpired count (article 7(6): nothing
else is federated with), so a host appears once one of its accounts has
reached us and disappears when its permit lapses. The moderated domains
(`GET /api/v1/instance/domain_blocks`) are the hosts whose permits are
suspended or revoked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True, slots=True)
class ModeratedHost:
    host: str
    status: str  # suspended | revoked


async def seen_permitted_hosts(db: Database, today: dt.date) -> list[str]:
    rows = await db.fetchall(
        "SELECT p.host FROM permits p WHERE p.status = 'active' AND (p.valid_until IS NULL OR p.valid_until >= ?)"
        " AND EXISTS (SELECT 1 FROM accounts a WHERE a.domain = p.host) ORDER BY p.host", (today.isoformat(),))
    return [r[0] for r in rows]


async def moderated_hosts(db: Database) -> list[ModeratedHost]:
    rows = await db.fetchall("SELECT host, status FROM permits WHERE status IN ('suspended', 'revoked')"
                             " ORDER BY host")
    return [ModeratedHost(r[0], r[1]) for r in rows]
