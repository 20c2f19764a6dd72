"""Durable delivery (DESIGN.md, flow 3): enqueue rows, a worker sends them.

`DeliveryQueue.enqueue` stores one row per (activity, inbox) and wakes the
worker in this process; workers in other processes find the rows on their
timer. `DeliveryWorker` claims due rows with a lease (storage.deliveries),
asks the permit gate about the host before every attempt (a host without a
permit: the row is dropped with the reason, nothing is sent), signs the
POST with the author's key (draft-cavage, Digest), sends it through the
SSRF-safe fetch session, classifies the answer (federation.backoff) and
finishes or reschedules the row.

Guarantee: at least once. A row is finished only after the peer answered
2xx; a worker that dies between the peer's 2xx and that write leaves the
row in flight, and after the lease the row is sent again. Activities keep
their id, so the receiving inbox dedupes by id (as this node's does).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
from aiohttp import web
from yarl import URL

from federation.backoff import BackoffPolicy, Outcome, Random, classify
from federation.fetch import (
    FetchError,
    ForbiddenAddressError,
    check_url,
    session_policy,
)
from federation.httpsig import ACTIVITY_JSON, sign_request
from federation.instance_actor import INSTANCE_SIGNER, instance_actor_url
from federation.urls import Urls
from policy.permits import PeerDecision, PermitError, normalise_host
from storage import accounts, clock, node_keys
from storage import deliveries as store
from storage.database import Database
from storage.deliveries import DeliveryRow, NewDelivery
from storage.ids import IdGenerator

logger = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
MAX_ANSWER_BYTES = 64 * 1024
PRUNE_EVERY_SECONDS = 600.0


class PeerGate(Protocol):
    """policy.permit_gate.PermitGate, as the worker uses it."""

    async def check(self, host: str) -> PeerDecision: ...


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    concurrency: int = 8            # POSTs in flight per worker
    batch: int = 64                 # rows claimed at a time (at most the free slots)
    lease_seconds: float = 120.0    # a claim outlives the longest attempt
    poll_seconds: float = 5.0       # the timer that finds rows other processes queued
    keep_finished_days: float = 7.0 # finished rows (done, failed, dropped) are kept this long
    request_timeout: float = 15.0
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)


def inbox_host(inbox_url: str) -> str:
    """The permit registry's name for an inbox's host (host[:port])."""
    url = URL(inbox_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise PermitError("host", f"{inbox_url!r} is not an http(s) URL")
    host = url.host if ":" not in url.host else f"[{url.host}]"
    return normalise_host(host if url.is_default_port() else f"{host}:{url.port}")


class DeliveryQueue:
    """Enqueues rows and wakes this process's worker."""

    def __init__(self, db: Database, ids: IdGenerator, settings: DeliverySettings = DeliverySettings(),
                 *, now: Clock = clock.now) -> None:
        self.db, self.ids, self.settings, self._now = db, ids, settings, now
        self.event = asyncio.Event()

    async def enqueue(self, activity: Mapping[str, Any], inboxes: Iterable[str], signer_account_id: int) -> int:
        """One row per distinct inbox; returns how many rows are new."""
        body = json.dumps(activity, ensure_ascii=False, separators=(",", ":"))
        items = []
        for inbox in dict.fromkeys(inboxes):
            try:
                host = inbox_host(inbox)
            except PermitError as exc:
                logger.warning("not queued for %s: %s", inbox, exc)
                continue
            items.append(NewDelivery(inbox, host, str(activity["id"]), body, signer_account_id))
        moment = self._now()
        added = await store.enqueue(self.db, self.ids, items, now=clock.iso(moment),
                                    give_up_at=clock.iso(self.settings.backoff.give_up_at(moment)))
        if added:
            self.event.set()
        return added

    def wake(self) -> None:
        self.event.set()


DELIVERY_QUEUE = web.AppKey("delivery_queue", DeliveryQueue)  # absent while federation is off


@dataclass(frozen=True, slots=True)
class Answer:
    status: int | None
    retry_after: str | None = None
    error: str = ""


async def post_activity(session: aiohttp.ClientSession, inbox_url: str, body: bytes,
                        headers: Mapping[str, str], timeout: float) -> Answer:
    """POST through the safe session (its address policy enforced), no redirects."""
    try:
        check_url(URL(inbox_url), session_policy(session))
        async with session.post(inbox_url, data=body, headers=dict(headers), allow_redirects=False,
                                timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            await resp.content.read(MAX_ANSWER_BYTES)
            return Answer(resp.status, resp.headers.get("Retry-After"))
    except FetchError as exc:
        return Answer(None, error=f"refused: {exc}")
    except TimeoutError:
        return Answer(None, error="timeout")
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, ForbiddenAddressError):
            return Answer(None, error=f"refused: {exc.os_error}")
        return Answer(None, error=f"connect_error: {exc.os_error or exc}")
    except (aiohttp.ClientError, OSError) as exc:
        return Answer(None, error=f"{type(exc).__name__}: {exc}")


class DeliveryWorker:
    """Claims due rows and delivers them, `settings.concurrency` at a time."""

    def __init__(self, queue: DeliveryQueue, session: aiohttp.ClientSession, gate: PeerGate, urls: Urls,
                 *, now: Clock = clock.now, rand: Random = random.random) -> None:
        self.queue, self.session, self.gate, self.urls = queue, session, gate, urls
        self.settings = queue.settings
        self._now, self._rand = now, rand
        self._slots = asyncio.Semaphore(self.settings.concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._keys: dict[int, tuple[str, str] | None] = {}

    # -- the loop --------------------------------------------------------------

    async def run(self) -> None:
        """Until cancelled: claim what is due, send, sleep until woken or due;
        prune finished rows about every ten minutes."""
        pruned_at = 0.0
        while True:
            claimed = await self._claim_into_free_slots()
            if claimed:
                continue
            if time.monotonic() - pruned_at > PRUNE_EVERY_SECONDS:
                await self.prune()
                pruned_at = time.monotonic()
            await self._sleep()

    async def prune(self) -> int:
        cutoff = self._now() - dt.timedelta(days=self.settings.keep_finished_days)
        return await store.prune_finished(self.queue.db, before=clock.iso(cutoff))

    async def _claim_into_free_slots(self) -> int:
        free = self.settings.concurrency - len(self._tasks)
        if free <= 0:
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            return 1
        rows = await self.claim(min(free, self.settings.batch))
        for row in rows:
            task = asyncio.create_task(self._deliver_in_slot(row))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(rows)

    async def _sleep(self) -> None:
        self.queue.event.clear()
        timeout = self.settings.poll_seconds
        due = await store.next_due_at(self.queue.db)
        if due is not None:
            timeout = min(timeout, max(0.0, (clock.parse(due) - self._now()).total_seconds()) + 0.01)
        waiters = [asyncio.ensure_future(self.queue.event.wait()), *self._tasks]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiters[0].cancel()

    async def drain(self) -> None:
        """Wait for the deliveries in flight (on shutdown, in tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def abandon(self) -> None:
        """Cancel the deliveries in flight (shutdown): their leases bring them back."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run_once(self) -> int:
        """Claim one batch, deliver it all; how many rows were handled."""
        rows = await self.claim(self.settings.batch)
        await asyncio.gather(*(self._deliver_in_slot(r) for r in rows))
        return len(rows)

    async def claim(self, limit: int) -> list[DeliveryRow]:
        moment = self._now()
        lease = moment + dt.timedelta(seconds=self.settings.lease_seconds)
        return await store.claim_due(self.queue.db, now=clock.iso(moment), lease_until=clock.iso(lease),
                                     limit=limit)

    # -- one delivery ------------------------------------------------------------

    async def _deliver_in_slot(self, row: DeliveryRow) -> None:
        async with self._slots:
            try:
                await self.deliver(row)
            except Exception:  # a bug must not stop the worker; the lease brings the row back
                logger.exception("delivery %s to %s crashed", row.id, row.inbox_url)

    async def deliver(self, row: DeliveryRow) -> Outcome:
        """Gate, sign, POST, classify, record: one attempt of one row."""
        decision = await self.gate.check(row.host)
        if not decision.permitted:
            logger.info("delivery %s to %s dropped: %s", row.id, row.host, decision.message)
            await store.finish(self.queue.db, row, "dropped", error=f"{decision.reason}: {decision.message}")
            return Outcome("failed", decision.message)
        signer = await self._signer(row.signer_account_id)
        if signer is None:
            await store.finish(self.queue.db, row, "failed", error="the signing account has no key")
            return Outcome("failed", "no key")
        body = row.activity_json.encode()
        headers = sign_request("POST", row.inbox_url, {"Content-Type": ACTIVITY_JSON, "Accept": ACTIVITY_JSON},
                               body, signer[0], signer[1])
        answer = await post_activity(self.session, row.inbox_url, body, headers, self.settings.request_timeout)
        outcome = self._classify(row, answer)
        await self._record(row, answer, outcome)
        return outcome

    def _classify(self, row: DeliveryRow, answer: Answer) -> Outcome:
        if answer.error.startswith("refused"):
            return Outcome("failed", answer.error)
        return classify(answer.status, answer.error, attempts=row.attempts, now=self._now(),
                        give_up_at=clock.parse(row.give_up_at), policy=self.settings.backoff,
                        retry_after=answer.retry_after, rand=self._rand)

    async def _record(self, row: DeliveryRow, answer: Answer, outcome: Outcome) -> None:
        db = self.queue.db
        if outcome.state == "queued" and outcome.next_attempt_at is not None:
            await store.reschedule(db, row, clock.iso(outcome.next_attempt_at), status=answer.status,
                                   error=outcome.reason)
            self.queue.wake()  # the timer must know the new due time
        else:
            await store.finish(db, row, "done" if outcome.state == "done" else "failed",
                               status=answer.status, error="" if outcome.state == "done" else outcome.reason)
        if outcome.state != "done":
            logger.info("delivery %s to %s: %s", row.id, row.inbox_url, outcome.reason)

    async def _signer(self, account_id: int) -> tuple[str, str] | None:
        """(keyId, private PEM) of a local account (or of the instance actor,
        `INSTANCE_SIGNER`), cached per worker."""
        if account_id == INSTANCE_SIGNER and account_id not in self._keys:
            keys = await node_keys.get_instance_keys(self.queue.db)
            if keys is None:
                return None
            self._keys[account_id] = (f"{instance_actor_url(self.urls.base_url)}#main-key", keys[0])
        if account_id not in self._keys:
            account = await accounts.get_account(self.queue.db, account_id)
            pem = await accounts.get_private_key(self.queue.db, account_id) if account else None
            if account is None or not pem or not account.local:
                return None
            self._keys[account_id] = (account.public_key_id or self.urls.key_id(account.username), pem)
        return self._keys[account_id]


@contextlib.asynccontextmanager
async def running_worker(worker: DeliveryWorker) -> AsyncIterator[DeliveryWorker]:
    """Run `worker` as a background task for the body of the `async with`."""
    task = asyncio.create_task(worker.run(), name="delivery-worker")
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await worker.abandon()
