"""This process's id slot (storage/ids.py, storage/id_slots.py): leased at
start, renewed every minute, released at shutdown, so the ids of several
serving processes on one database never collide."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from aiohttp import web

from node.keys import DB, IDS
from node.periodic import periodic
from storage import id_slots

logger = logging.getLogger(__name__)

HOLDER = web.AppKey("id_slot_holder", str)


async def _renew(app: web.Application) -> None:
    ids, holder = app[IDS], app[HOLDER]
    if not await id_slots.renew_slot(app[DB], ids.slot, holder):
        # Lost (this process stalled past its lease and another took it): take a free one.
        ids.use_slot(await id_slots.claim_slot(app[DB], holder))
        logger.warning("id slot lease was lost; now using slot %d", ids.slot)


_renewal = periodic("id slot renewal", id_slots.RENEW_EVERY.total_seconds(), _renew)


async def id_slot_context(app: web.Application) -> AsyncIterator[None]:
    holder = secrets.token_hex(8)
    app[HOLDER] = holder
    app[IDS].use_slot(await id_slots.claim_slot(app[DB], holder))
    try:
        async with contextlib.asynccontextmanager(_renewal)(app):
            yield
    finally:
        with contextlib.suppress(Exception):  # a lease left behind runs out by itself
            await id_slots.release_slot(app[DB], app[IDS].slot, holder)
