"""What the rest of the node calls after a commit: `stream_of(app)`.

Publishing sites (local posts, edits, deletes, boosts, moderation, and
federation through `Federation.stream`) only queue a small `StatusEvent`
and return; one dispatcher task (`node.streaming.runtime`) turns events
into messages in the order they were committed. Nothing is queued while
nobody listens, and a full event queue drops events (logged) rather than
growing: streaming is a convenience, the timelines stay the truth.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiohttp import web

from federation.context import NO_STREAM, StreamPort
from node.streaming.broker import Broker
from storage.statuses import StatusRow

logger = logging.getLogger(__name__)

EVENT_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class StatusEvent:
    event: str  # "update", "status.update" or "delete"
    status_id: int
    gone: StatusRow | None = None  # a deleted status as it was (it cannot be read back)
    mentioned: tuple[int, ...] = ()


@dataclass(slots=True)
class Streaming:
    """The broker and the queue of committed events waiting to be sent."""

    broker: Broker = field(default_factory=Broker)
    events: asyncio.Queue[StatusEvent] = field(default_factory=lambda: asyncio.Queue(EVENT_LIMIT))
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # new notifications, maybe
    tail_from: int | None = None  # the newest notification id streamed; None while nobody listens

    def status_created(self, status_id: int) -> None:
        self._put(StatusEvent("update", status_id))

    def status_edited(self, status_id: int) -> None:
        self._put(StatusEvent("status.update", status_id))

    def status_deleted(self, status: StatusRow, mentioned: Sequence[int] = ()) -> None:
        self._put(StatusEvent("delete", status.id, status, tuple(mentioned)))

    def _put(self, event: StatusEvent) -> None:
        self.wake.set()  # a post may have notified someone (a mention)
        if self.broker.idle:
            return
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            logger.warning("streaming is behind; %s of status %d not streamed", event.event, event.status_id)


STREAMING = web.AppKey("streaming", Streaming)


def stream_of(app: web.Application) -> StreamPort:
    """The node's streaming port, or one that does nothing (streaming not started)."""
    return app.get(STREAMING, NO_STREAM)
