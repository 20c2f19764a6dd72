"""What the rest of the node calls after a commit: `stream_of(app)`.

Publishing sites (local posts, edits, deletes, boosts, moderation,
announcements, and federation through `Federation.stream`) only queue a
small event and return; one dispatcher task (`node.streaming.runtime`)
turns events into messages in the order they were committed. Nothing is
queued while nobody listens, and a full event queue drops events (logged)
rather than growing: streaming is a convenience, the timelines stay the
truth.

With several processes (PostgreSQL), a client may listen on another
process than the one that wrote: `relay` then carries every event to all
processes, this one included (`node.streaming.bus`, LISTEN/NOTIFY), and
each delivers it to its own listeners.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from federation.context import NO_STREAM, StreamPort
from node.streaming.broker import Broker
from storage.statuses import StatusRow

logger = logging.getLogger(__name__)

EVENT_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Gone:
    """What a delete's listeners are chosen by (the row cannot be read back)."""

    id: int
    account_id: int
    visibility: str
    local: bool


@dataclass(frozen=True, slots=True)
class StatusEvent:
    event: str  # "update", "status.update" or "delete"
    status_id: int
    gone: Gone | None = None  # a deleted status as it was
    mentioned: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class AnnouncementEvent:
    event: str  # "announcement", "announcement.reaction" or "announcement.delete"
    announcement_id: int
    payload: str = ""  # a reaction's JSON; "" for the others


Event = StatusEvent | AnnouncementEvent


@dataclass(slots=True)
class Streaming:
    """The broker and the queue of committed events waiting to be sent."""

    broker: Broker = field(default_factory=Broker)
    events: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(EVENT_LIMIT))
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # new notifications, maybe
    tail_from: int | None = None  # the newest notification id streamed; None while nobody listens
    relay: Callable[[Event], None] | None = None  # several processes: to every one of them

    def status_created(self, status_id: int) -> None:
        self._put(StatusEvent("update", status_id))

    def status_edited(self, status_id: int) -> None:
        self._put(StatusEvent("status.update", status_id))

    def status_deleted(self, status: StatusRow, mentioned: Sequence[int] = ()) -> None:
        gone = Gone(status.id, status.account_id, status.visibility, bool(status.local))
        self._put(StatusEvent("delete", status.id, gone, tuple(mentioned)))

    def announcement(self, event: str, announcement_id: int, payload: str = "") -> None:
        self._put(AnnouncementEvent(event, announcement_id, payload))

    def _put(self, event: Event) -> None:
        if self.relay is not None:
            self.relay(event)  # comes back through deliver(), here and in every other process
        else:
            self.deliver(event)

    def deliver(self, event: Event) -> None:
        """An event for this process's listeners."""
        self.wake.set()  # a post may have notified someone (a mention)
        if self.broker.idle:
            return
        try:
            self.events.put_nowait(event)
        except asyncio.QueueFull:
            logger.warning("streaming is behind; %s not streamed", event)


STREAMING = web.AppKey("streaming", Streaming)


def stream_of(app: web.Application) -> StreamPort:
    """The node's streaming port, or one that does nothing (streaming not started)."""
    return app.get(STREAMING, NO_STREAM)
