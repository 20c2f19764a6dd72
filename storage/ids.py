"""Time-ordered numeric ids, Mastodon style, unique across processes.

The high bits are milliseconds since the epoch and the low 16 bits are
split: 6 bits name the process's *slot*, 10 a sequence within the
millisecond. So ids sort by creation time (clients such as Ivory rely on
it), fit a signed 64-bit integer, and two processes never make the same
id: a serving process leases a slot of its own from the database
(`storage.id_slots`, slots below `SERVER_SLOTS`); a short-lived command
takes a random slot of the rest, so it cannot collide with any server.
"""

from __future__ import annotations

import secrets
import threading
import time

SLOT_BITS = 6
SEQ_BITS = 10
SLOTS = 1 << SLOT_BITS
SERVER_SLOTS = 48  # leased to serving processes; the rest for commands
_SEQ_MASK = (1 << SEQ_BITS) - 1


class IdGenerator:
    def __init__(self, slot: int | None = None) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._seq = secrets.randbelow(1 << SEQ_BITS)
        self._slot = slot if slot is not None else SERVER_SLOTS + secrets.randbelow(SLOTS - SERVER_SLOTS)

    @property
    def slot(self) -> int:
        return self._slot

    def use_slot(self, slot: int) -> None:
        """The slot this process leased (its ids from now on carry it)."""
        assert 0 <= slot < SLOTS
        with self._lock:
            self._slot = slot

    def next_id(self, at_ms: int | None = None) -> int:
        with self._lock:
            now = at_ms if at_ms is not None else int(time.time() * 1000)
            if at_ms is None and now <= self._last_ms:
                now = self._last_ms
                self._seq = (self._seq + 1) & _SEQ_MASK
                if self._seq == 0:  # 1,024 ids in one millisecond: borrow the next one
                    now += 1
            else:
                self._seq = (self._seq + 1) & _SEQ_MASK
            self._last_ms = max(self._last_ms, now)
            return (now << 16) | (self._slot << SEQ_BITS) | self._seq


def id_for_time(ms: int) -> int:
    """The smallest id at a given millisecond, for min_id/max_id by time."""
    return ms << 16
