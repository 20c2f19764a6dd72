"""Background sweeps that live as long as the app: one loop, one shape."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

logger = logging.getLogger(__name__)

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


@contextlib.asynccontextmanager
async def running(work: Awaitable[None], name: str) -> AsyncIterator[asyncio.Task[None]]:
    """`work` as a task for as long as the block lasts, cancelled and awaited at its end."""
    task = asyncio.ensure_future(work)
    task.set_name(name)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


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
        async with running(forever(app), name):
            yield

    context.__name__ = f"{name.replace(' ', '_')}_context"
    return context
