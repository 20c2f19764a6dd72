"""Background work of the compliance figures: the refusal counts reach the database.

Federation counts refusals in memory (`policy.compliance_refusals`); this
context adds them to `federation_refusals` every `FLUSH_SECONDS` and once
more when the node stops, after the last request it served.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from federation.context import FEDERATION
from node.keys import DB
from node.periodic import running

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 10.0


async def flush_refusals(app: web.Application) -> int:
    fed = app.get(FEDERATION)
    return await fed.refusals.flush(app[DB]) if fed is not None else 0


async def _every(app: web.Application) -> None:
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        try:
            await flush_refusals(app)
        except Exception:  # kept in memory for the next try
            logger.exception("could not write the refusal counts")


async def compliance_context(app: web.Application) -> AsyncIterator[None]:
    async with running(_every(app), "refusal-counts"):
        yield
    try:
        await flush_refusals(app)
    except Exception:
        logger.exception("could not write the last refusal counts")
