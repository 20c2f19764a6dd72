"""Background work for moderation: sanctions that end by themselves.

Every minute the node lifts sanctions past their `expires_at` (an audited
`sanction.expire` by "system"). Several processes may run the sweep; the
row update that closes a sanction decides which one records it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from node.keys import DB
from policy.sanctions import lift_expired

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0


async def moderation_context(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_sweep(app))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _sweep(app: web.Application) -> None:
    while True:
        try:
            lifted = await lift_expired(app[DB])
            if lifted:
                logger.info("lifted %d expired sanction(s)", lifted)
        except Exception:  # the next sweep retries; a failure must not end the loop
            logger.exception("sanction expiry sweep failed")
        await asyncio.sleep(SWEEP_SECONDS)
