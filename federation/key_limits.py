"""Bounds on fetching keys for signatures that do not verify (issue #14).

Before: every inbox POST with a bad signature or an unknown keyId made the
node fetch the actor again (2,294 outbound fetches in one fuzzing run).
Now, per process:

- a keyId is refetched at most once per `KEY_SECONDS`: after a refetch
  (a cached key that did not verify) or a failed fetch (an unknown key),
  requests naming that key are refused (401) without a fetch until the
  time has passed; requests arriving while a fetch of the key is under
  way wait for its answer instead of fetching too;
- a host whose key fetches failed `HOST_FAILURES` times within
  `HOST_SECONDS` (unknown actors, bad documents, no answer) gets no
  further fetch of an unknown key until the window passes.

Successful fetches never count against a host: a permitted peer whose
new accounts all post at once is not throttled. Only permitted hosts
reach this point (the gate is asked first). The memory is per process
and bounded (`MAX_ENTRIES`), as the bound is: N processes of a node make
at most N fetches per key and window, which is still a bound.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

KEY_SECONDS = 300.0
HOST_SECONDS = 300.0
HOST_FAILURES = 10
MAX_ENTRIES = 10_000

T = TypeVar("T")


class KeyFetchRefused(Exception):
    """No fetch now: `reason` says which bound."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class KeyFetchLimits:
    keys: dict[str, float] = field(default_factory=dict)  # keyId -> refetched or failed at (monotonic)
    host_failures: dict[str, tuple[float, int]] = field(default_factory=dict)  # host -> (window start, count)
    inflight: dict[str, asyncio.Future[Any]] = field(default_factory=dict)
    host_inflight: dict[str, int] = field(default_factory=dict)

    async def fetch(self, key_id: str, host: str, fetch: Callable[[], Awaitable[T]], *, refresh: bool) -> T:
        """Run `fetch` for this key unless a bound refuses; concurrent callers share one fetch.
        `refresh`: the key is known, and did not verify."""
        running = self.inflight.get(key_id)
        if running is not None:
            return await asyncio.shield(running)  # type: ignore[no-any-return]
        now = time.monotonic()
        if self.keys.get(key_id, -KEY_SECONDS) > now - KEY_SECONDS:
            raise KeyFetchRefused(f"key {key_id} was refetched or failed less than {int(KEY_SECONDS)} s ago")
        start, count = self.host_failures.get(host, (now, 0))
        count = count if now - start < HOST_SECONDS else 0
        # once a host has failed, fetches under way count too, so a burst cannot overshoot the bound
        if count and count + self.host_inflight.get(host, 0) >= HOST_FAILURES:
            raise KeyFetchRefused(f"{count} key fetches from {host} failed in the last {int(HOST_SECONDS)} s")
        if refresh:
            self._remember(self.keys, key_id, now)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.inflight[key_id] = future
        self.host_inflight[host] = self.host_inflight.get(host, 0) + 1
        try:
            result = await fetch()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            self._remember(self.keys, key_id, time.monotonic())
            self.failed(host)
            future.set_exception(exc)
            future.exception()  # retrieved here: waiters re-raise it, nobody else must
            raise
        finally:
            self.inflight.pop(key_id, None)
            left = self.host_inflight.pop(host, 1) - 1
            if left:
                self.host_inflight[host] = left
        future.set_result(result)
        return result

    def failed(self, host: str) -> None:
        """Count a failed fetch against `host` (once per fetch, however many waited for it)."""
        now = time.monotonic()
        start, count = self.host_failures.get(host, (now, 0))
        if now - start >= HOST_SECONDS:
            start, count = now, 0
        self._remember(self.host_failures, host, (start, count + 1))

    @staticmethod
    def _remember(table: dict[str, Any], key: str, value: Any) -> None:
        table.pop(key, None)
        table[key] = value
        if len(table) > MAX_ENTRIES:
            del table[next(iter(table))]  # the oldest entry: insertion order


_LIMITS: weakref.WeakKeyDictionary[Any, KeyFetchLimits] = weakref.WeakKeyDictionary()


def limits_for(owner: Any) -> KeyFetchLimits:
    """The limits of one node (keyed by its database, as the key cache is)."""
    found = _LIMITS.get(owner)
    if found is None:
        found = _LIMITS[owner] = KeyFetchLimits()
    return found
