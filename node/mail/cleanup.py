"""Hourly: expired single-use tokens and finished request windows are deleted.

A token past its expiry opens nothing, and a throttling window more than
a day old counts for nothing; keeping either would only grow the tables
(and keep hashes of addresses people typed longer than needed).
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from node.keys import DB
from node.periodic import periodic
from storage import account_tokens, request_counts
from storage.clock import iso, now

KEEP = dt.timedelta(days=1)


async def purge_spent(app: web.Application) -> int:
    before = iso(now() - KEEP)
    async with app[DB].write() as w:
        return await account_tokens.purge_expired(w, before) + await request_counts.purge(w, before)


mail_cleanup_context = periodic("mail tokens", 3600, purge_spent)
