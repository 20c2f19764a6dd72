"""Time-ordered numeric ids, Mastodon style.

The high bits are milliseconds since the epoch and the low 16 bits a
sequence, so ids sort by creation time (clients such as Ivory rely on it)
and fit SQLite's signed 64-bit INTEGER. Several processes may write (see
DESIGN.md), so the sequence starts at a random point per generator and
collisions are left to the PRIMARY KEY to catch.
"""

from __future__ import annotations

import secrets
import threading
import time


class IdGenerator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._seq = secrets.randbelow(1 << 16)

    def next_id(self, at_ms: int | None = None) -> int:
        with self._lock:
            now = at_ms if at_ms is not None else int(time.time() * 1000)
            if at_ms is None and now <= self._last_ms:
                now = self._last_ms
                self._seq = (self._seq + 1) & 0xFFFF
                if self._seq == 0:
                    now += 1
            else:
                self._seq = (self._seq + 1) & 0xFFFF
            self._last_ms = max(self._last_ms, now)
            return (now << 16) | self._seq


def id_for_time(ms: int) -> int:
    """The smallest id at a given millisecond, for min_id/max_id by time."""
    return ms << 16
