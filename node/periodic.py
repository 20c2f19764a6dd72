"""Background sweeps that live as long as the app: one loop, one shape."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

logger = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def periodic(name: str, seconds: float,
             sweep: Callable[[web.Application], Awaitable[object]]) -> CleanupContext:
    """A `cleanup_ctx` entry running `sweep(app)` every `seconds` until shutdown."""

    async def forever(app: web.Application) -> None:
        while True:
            try:
                await sweep(app)
            except Exception:  # the next sweep retries; a failure must not end the loop
                logger.exception("%s sweep failed", name)
            await asyncio.sleep(seconds)

    async def context(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(forever(app))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    context.__name__ = f"{name.replace(' ', '_')}_context"
    return context
