"""The permit gate: every exchange with a peer asks `PermitGate.check(host)`.

Inbox POSTs, deliveries, fetches, signed GETs and follows all call it, and
it decides with `policy.permits.decide_peer` on the stored registry and
the peer's self-declared number. The declaration comes from a lookup the
federation layer supplies (a NodeInfo fetcher): policy does no HTTP. It is
cached in the database for `cache_seconds`, so every process shares it,
and it is asked only of hosts the registry already permits: an unlisted
host is never contacted, not even for its NodeInfo.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable

from policy.permits import (UNKNOWN, PeerDecision, PermitEntry, PermitError, Unknown, decide_peer,
                            decide_self, entry_from_row, normalise_host, normalise_number)
from storage import clock
from storage import permits as store
from storage.database import Database

logger = logging.getLogger(__name__)

DeclaredLookup = Callable[[str], Awaitable[str | None]]
Clock = Callable[[], dt.datetime]

# The provisions are Beijing's: a permit valid until a date is valid
# through that day in China Standard Time (no daylight saving).
CHINA_STANDARD_TIME = dt.timezone(dt.timedelta(hours=8), "CST")


class DeclarationLookupError(Exception):
    """The lookup could not ask the peer (unreachable, bad NodeInfo).

    A lookup raises this (or OSError / TimeoutError) when it cannot tell;
    it returns None when the peer answers but declares no number.
    """


class PermitGate:
    """Registry plus declaration, cached; default deny."""

    def __init__(self, db: Database, declared_lookup: DeclaredLookup, *,
                 require_declared: bool = False, cache_seconds: int = 3600,
                 retry_seconds: int = 60, local_host: str | None = None,
                 local_permit: str | None = None, now: Clock = clock.now,
                 tz: dt.tzinfo = CHINA_STANDARD_TIME) -> None:
        self._db = db
        self._lookup = declared_lookup
        self.require_declared = require_declared
        self._ttl = dt.timedelta(seconds=cache_seconds)
        self._retry = dt.timedelta(seconds=min(retry_seconds, cache_seconds))
        self._local_host = normalise_host(local_host) if local_host else None
        self._local_permit = local_permit
        self._now = now
        self._tz = tz
        self._locks: dict[str, asyncio.Lock] = {}

    async def check(self, host: str) -> PeerDecision:
        """May the node exchange anything with `host` (host or host:port)?"""
        moment = self._now()
        today = moment.astimezone(self._tz).date()
        try:
            clean = normalise_host(host)
        except PermitError:
            return decide_peer(None, today=today, declared=UNKNOWN, require_declared=False, host=host)
        if clean == self._local_host:
            return decide_self(clean, self._local_permit)
        row = await store.get_permit(self._db, clean)
        entry = entry_from_row(row) if row is not None else None
        registry = decide_peer(entry, today=today, declared=UNKNOWN, require_declared=False, host=clean)
        if not registry.permitted or entry is None:
            return registry
        declared, fetched = await self._declared(clean, moment)
        decision = decide_peer(entry, today=today, declared=declared,
                               require_declared=self.require_declared, host=clean)
        if decision.reason == "declared_mismatch":
            self._log_mismatch(entry, declared, fetched)
        return decision

    def _log_mismatch(self, entry: PermitEntry, declared: str | None | Unknown, fetched: bool) -> None:
        # Warn once per fetch, not on every request the cached answer refuses.
        level = logging.WARNING if fetched else logging.DEBUG
        logger.log(level, "permit mismatch: %s declares %s but the registry holds %s; refused",
                   entry.host, declared, entry.number)

    async def _declared(self, host: str, moment: dt.datetime) -> tuple[str | None | Unknown, bool]:
        """(declaration, fetched now): the cached one while fresh, else asked
        of the peer, once even when many requests wait for it."""
        row = await self._cached(host, moment)
        if row is None:
            async with self._locks.setdefault(host, asyncio.Lock()):
                row = await self._cached(host, self._now())
                if row is None:
                    return await self._fetch(host), True
        return (UNKNOWN if row.error else row.declared_number), False

    async def _cached(self, host: str, moment: dt.datetime) -> store.DeclarationRow | None:
        """The cache row while within its TTL (shorter after a failure)."""
        row = await store.get_declaration(self._db, host)
        if row is None:
            return None
        age = moment - clock.parse(row.checked_at)
        ttl = self._retry if row.error else self._ttl
        return row if dt.timedelta(0) <= age < ttl else None

    async def _fetch(self, host: str) -> str | None | Unknown:
        checked_at = clock.iso(self._now())
        try:
            number = await self._lookup(host)
        except (DeclarationLookupError, OSError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            logger.warning("could not fetch the declared permit of %s: %s", host, reason)
            await store.record_declaration(self._db, host, None, checked_at, reason)
            return UNKNOWN
        declared = normalise_number(number) if number else None
        await store.record_declaration(self._db, host, declared or None, checked_at)
        return declared or None
