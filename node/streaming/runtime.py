"""Streaming's two tasks, started and stopped in `app.cleanup_ctx`.

The dispatcher sends status events in commit order. The notification
tail reads notifications by id: they are created in many places (mentions,
favourites, follows, polls, moderation, inbound federation), all inside
write transactions, so rather than a hook in each, the tail asks for
what is new when woken by a status event or every `TAIL_SECONDS` while
someone listens to a user stream (two primary-key queries a tick).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from node.announcement_stream import send_announcement_event
from node.keys import DB
from node.streaming.events import NOTIFIED_STREAMS, send_notifications, send_status_event
from node.streaming.port import STREAMING, AnnouncementEvent, Streaming
from storage.notification_queries import newest_notification_id, notifications_between

logger = logging.getLogger(__name__)

TAIL_SECONDS = 0.5
TAIL_BATCH = 200


async def _dispatch(app: web.Application, streaming: Streaming) -> None:
    while True:
        event = await streaming.events.get()
        try:
            if isinstance(event, AnnouncementEvent):
                await send_announcement_event(app, event)
            else:
                await send_status_event(app, streaming.broker, event)
        except Exception:  # one bad event must not end streaming for everyone
            logger.exception("could not stream %s", event)


async def _tail_once(app: web.Application, streaming: Streaming) -> None:
    """Send the notifications committed since `streaming.tail_from`."""
    viewers = streaming.broker.viewers(NOTIFIED_STREAMS)
    if not viewers or streaming.tail_from is None:
        streaming.tail_from = None  # nobody listens: the next listener starts from then
        return
    db = app[DB]
    newest = await newest_notification_id(db)
    if newest <= streaming.tail_from:
        return
    rows = await notifications_between(db, streaming.tail_from, newest, viewers, TAIL_BATCH)
    streaming.tail_from = rows[-1].id if len(rows) == TAIL_BATCH else newest
    await send_notifications(app, streaming.broker, rows)


async def _tail(app: web.Application, streaming: Streaming) -> None:
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(streaming.wake.wait(), TAIL_SECONDS)
        streaming.wake.clear()
        try:
            await _tail_once(app, streaming)
        except Exception:
            logger.exception("could not stream notifications after %s", streaming.tail_from)


async def start_tail(app: web.Application, streaming: Streaming) -> None:
    """A user stream was subscribed: make sure the tail runs from now on."""
    if streaming.tail_from is None:
        streaming.tail_from = await newest_notification_id(app[DB])


async def _close_all(app: web.Application) -> None:
    """On shutdown: end every open stream, so their handlers return."""
    streaming = app.get(STREAMING)
    if streaming is not None:
        streaming.broker.close_all()


async def streaming_context(app: web.Application) -> AsyncIterator[None]:
    streaming = Streaming()
    app[STREAMING] = streaming
    app.on_shutdown.append(_close_all)
    tasks = [asyncio.create_task(_dispatch(app, streaming), name="streaming-dispatch"),
             asyncio.create_task(_tail(app, streaming), name="streaming-notifications")]
    try:
        yield
    finally:
        streaming.broker.close_all()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
