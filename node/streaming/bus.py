"""Streaming events between the processes of one node (PostgreSQL's
LISTEN/NOTIFY), so a client listening on one process sees what another
wrote.

Every process sends its events, in the order they happened, through one
sender task, and hears every process's events, its own included, through
one listening connection; what it hears it delivers to its own listeners
(`Streaming.deliver`). The payloads are tiny (ids, a deleted status's
visibility, a reaction count), far under NOTIFY's 8,000 bytes. An event
lost while the listening connection reconnects is not replayed: streaming
is a convenience, the timelines stay the truth. On SQLite (one process)
none of this runs and events go straight to the dispatcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from node.keys import DB
from node.streaming.port import EVENT_LIMIT, STREAMING, AnnouncementEvent, Event, Gone, StatusEvent, Streaming

logger = logging.getLogger(__name__)

CHANNEL = "node_stream"
RECONNECT_SECONDS = 1.0
SEND_BATCH = 500


def encode(event: Event) -> str:
    if isinstance(event, AnnouncementEvent):
        return json.dumps({"a": [event.event, event.announcement_id, event.payload]}, ensure_ascii=False)
    gone = event.gone
    body: dict[str, Any] = {"s": [event.event, event.status_id, list(event.mentioned)]}
    if gone is not None:
        body["g"] = [gone.id, gone.account_id, gone.visibility, gone.local]
    return json.dumps(body)


def decode(text: str) -> Event:
    body = json.loads(text)
    if "a" in body:
        kind, announcement_id, payload = body["a"]
        return AnnouncementEvent(str(kind), int(announcement_id), str(payload))
    kind, status_id, mentioned = body["s"]
    gone = Gone(int(body["g"][0]), int(body["g"][1]), str(body["g"][2]), bool(body["g"][3])) if "g" in body else None
    return StatusEvent(str(kind), int(status_id), gone, tuple(int(m) for m in mentioned))


async def _send(app: web.Application, outbox: asyncio.Queue[str]) -> None:
    """Everything queued since the last send goes in one NOTIFY round trip,
    so a burst of posts (an inbox batch) keeps up rather than queueing one
    round trip per event behind the writers."""
    db = app[DB]
    while True:
        batch = [await outbox.get()]
        while len(batch) < SEND_BATCH and not outbox.empty():
            batch.append(outbox.get_nowait())
        try:
            await db.notify(CHANNEL, batch)
        except Exception:
            logger.exception("could not relay %d streaming events to the other processes", len(batch))


async def _listen(app: web.Application, streaming: Streaming, ready: asyncio.Event) -> None:
    db = app[DB]
    while True:
        try:
            async with db.listen(CHANNEL) as payloads:
                ready.set()
                async for payload in payloads:
                    try:
                        streaming.deliver(decode(payload))
                    except (ValueError, KeyError, IndexError, TypeError):
                        logger.warning("ignored a malformed streaming event")
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("streaming events from other processes: reconnecting")
            await asyncio.sleep(RECONNECT_SECONDS)


async def bus_context(app: web.Application) -> AsyncIterator[None]:
    streaming = app.get(STREAMING)
    if streaming is None or not app[DB].dialect.notifications:
        yield
        return
    outbox: asyncio.Queue[str] = asyncio.Queue(EVENT_LIMIT)
    dropped = 0

    def relay(event: Event) -> None:
        nonlocal dropped
        try:
            outbox.put_nowait(encode(event))
        except asyncio.QueueFull:
            # One line when a burst starts overflowing, not one per event.
            if dropped == 0:
                logger.warning("streaming relay is behind; events are not relayed until it catches up")
            dropped += 1
            return
        if dropped:
            logger.warning("streaming relay caught up; %d events were not relayed", dropped)
            dropped = 0

    ready = asyncio.Event()
    tasks = [asyncio.create_task(_listen(app, streaming, ready), name="streaming-listen"),
             asyncio.create_task(_send(app, outbox), name="streaming-relay")]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(ready.wait(), 5)
    streaming.relay = relay
    try:
        yield
    finally:
        streaming.relay = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
