"""The in-process broker: who listens to which stream, and their queues.

A connection (one WebSocket or one event-stream response) holds a bounded
queue of wire-ready messages. Publishing never waits: when a client reads
so slowly that its queue fills, the connection is closed and forgotten
(the client reconnects and refetches its timeline, as Mastodon clients
do), so one stalled reader cannot grow the server's memory or hold up
anyone else.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

QUEUE_LIMIT = 256  # messages; a burst of posts fits, a client gone quiet does not

# Mastodon's stream names; those that need a signed-in user.
USER_STREAMS = frozenset({"user", "user:notification", "list", "direct"})
PUBLIC_STREAMS = frozenset({"public", "public:local", "public:remote", "hashtag", "hashtag:local"})
# The public streams again, statuses with attachments only.
MEDIA_STREAMS = frozenset({"public:media", "public:local:media", "public:remote:media"})
STREAM_NAMES = USER_STREAMS | PUBLIC_STREAMS | MEDIA_STREAMS


@dataclass(frozen=True, slots=True)
class Stream:
    """One subscription: a stream name and its argument (a tag or list id)."""

    name: str
    tag: str | None = None
    list_id: int | None = None

    def label(self) -> list[str]:
        """The `stream` array of a WebSocket message, as Mastodon sends it."""
        if self.tag is not None:
            return [self.name, self.tag]
        if self.list_id is not None:
            return [self.name, str(self.list_id)]
        return [self.name]


@dataclass(frozen=True, slots=True)
class Message:
    stream: Stream
    event: str
    payload: str  # a JSON document as text (a status id for `delete`)


@dataclass(eq=False, slots=True)
class Connection:
    """One client: its viewer (None for a visitor) and its subscriptions."""

    viewer: int | None
    scopes: frozenset[str]
    limit: int = QUEUE_LIMIT
    streams: set[Stream] = field(default_factory=set)
    closed: bool = False
    _pending: deque[Message] = field(default_factory=deque)
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, message: Message) -> bool:
        """Queue a message; False (and closed) if the client has fallen behind."""
        if self.closed:
            return False
        if len(self._pending) >= self.limit:
            self.close()
            return False
        self._pending.append(message)
        self._ready.set()
        return True

    def close(self) -> None:
        self.closed = True
        self._pending.clear()
        self._ready.set()

    async def next(self, timeout: float) -> Message | None:
        """The next message; None after `timeout` seconds idle or once closed."""
        if not self._pending and not self.closed:
            self._ready.clear()
            try:
                await asyncio.wait_for(self._ready.wait(), timeout)
            except TimeoutError:
                return None
        return self._pending.popleft() if self._pending and not self.closed else None


@dataclass(slots=True)
class Broker:
    """Subscriptions by stream; `publish` hands a message to their queues."""

    queue_limit: int = QUEUE_LIMIT
    _by_stream: dict[Stream, set[Connection]] = field(default_factory=dict)
    _connections: set[Connection] = field(default_factory=set)

    def connect(self, viewer: int | None, scopes: frozenset[str]) -> Connection:
        conn = Connection(viewer, scopes, self.queue_limit)
        self._connections.add(conn)
        return conn

    def disconnect(self, conn: Connection) -> None:
        conn.close()
        self._connections.discard(conn)
        for stream in list(conn.streams):
            self.unsubscribe(conn, stream)

    def subscribe(self, conn: Connection, stream: Stream) -> None:
        conn.streams.add(stream)
        self._by_stream.setdefault(stream, set()).add(conn)

    def unsubscribe(self, conn: Connection, stream: Stream) -> None:
        conn.streams.discard(stream)
        listeners = self._by_stream.get(stream)
        if listeners is not None:
            listeners.discard(conn)
            if not listeners:
                del self._by_stream[stream]

    def streams(self) -> list[Stream]:
        """Streams someone listens to now."""
        return list(self._by_stream)

    def listeners(self, stream: Stream) -> list[Connection]:
        return list(self._by_stream.get(stream, ()))

    def viewers(self, names: Iterable[str]) -> set[int]:
        """Signed-in viewers subscribed to any stream named in `names`."""
        wanted = set(names)
        return {c.viewer for s, conns in self._by_stream.items() if s.name in wanted
                for c in conns if c.viewer is not None}

    def publish(self, conns: Iterable[Connection], message: Message) -> None:
        for conn in conns:
            if not conn.offer(message):
                self.disconnect(conn)  # too slow: dropped, its handler ends the response

    def close_all(self) -> None:
        for conn in list(self._connections):
            self.disconnect(conn)

    @property
    def idle(self) -> bool:
        return not self._by_stream
