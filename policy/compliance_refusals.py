"""Federation refusals, counted where they happen and added to the database in batches.

The inbox and signed GETs refuse requests at the rate strangers send them,
so each refusal is a dict increment, not a write; `flush` adds the
counts to `federation_refusals` (an upsert that adds, safe from several
processes), every few seconds and when the node stops (node/compliance_setup.py).
A crash loses at most those few seconds of counts, never a count twice.
The number of distinct keys held between flushes is bounded: past it,
hosts are counted as "(other)".
"""

from __future__ import annotations

from storage import compliance_counts as store
from storage.clock import now_iso
from storage.database import Database

MAX_KEYS = 5000
OTHER_HOST = "(other)"
# The inbox's refusals that carry no reason code of their own, by status.
REASONS_BY_STATUS = {400: "malformed", 401: "signature", 403: "origin", 404: "no_such_account",
                     413: "too_large"}


class RefusalTally:
    """Counts (day, direction, reason, host) until `flush` writes them."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, str, str], int] = {}

    def count(self, direction: str, reason: str, host: str = "") -> None:
        assert direction in store.REFUSAL_DIRECTIONS
        key = (store.day_of(now_iso()), direction, reason[:64] or "unknown", host[:255] or "-")
        if key not in self._counts and len(self._counts) >= MAX_KEYS:
            key = (*key[:3], OTHER_HOST)
        self._counts[key] = self._counts.get(key, 0) + 1

    def count_status(self, direction: str, status: int, reason: str = "", host: str = "") -> None:
        self.count(direction, reason or REASONS_BY_STATUS.get(status, str(status)), host)

    @property
    def pending(self) -> int:
        return sum(self._counts.values())

    async def flush(self, db: Database) -> int:
        """Add what was counted to the database; the counts start again at zero."""
        counts, self._counts = self._counts, {}
        try:
            await store.add_refusals(db, counts)
        except Exception:
            for key, n in counts.items():  # keep them for the next flush
                self._counts[key] = self._counts.get(key, 0) + n
            raise
        return sum(counts.values())
