"""Web Push with the node: the VAPID key pair, and the worker that sends.

The key pair is made at `init` (or on the first start of an older node)
and kept in `node_settings`, so every process signs with the same key.
Notifications queue pushes as rows in their own transaction
(storage.web_push_queue); every second this process looks for due rows
(a read) and claims them,
with a lease, and sends it: encrypted for the subscription
(node.web_push), POSTed through the SSRF-safe session, retried with
back-off at most `max_attempts` times (federation.backoff: 429/503 honour
Retry-After, other 4xx are final). A push service answering 404 or 410
says the subscription is gone: it is deleted, as Mastodon does.

Runs whether or not federation is on: push services are the users' own
devices' mailboxes, not peers.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from federation.backoff import BackoffPolicy, classify
from federation.delivery import post_activity
from federation.fetch import create_fetch_session
from node.keys import CONFIG, DB, IDENTITY, WEB_PUSH
from node.push_payload import push_payload
from node.version import SOFTWARE, VERSION
from node.web_push import PushKeyError, PushTarget, WebPushRuntime, encrypt_message, load_vapid_keys, vapid_subject
from policy.identity.vault import VaultError
from storage import clock, push_subscriptions, web_push_queue
from storage.database import Database
from storage.notification_queries import get_notification
from storage.push_subscriptions import PushSubscriptionRow
from storage.web_push_queue import PushJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PushSettings:
    batch: int = 32                 # rows claimed at a time
    concurrency: int = 8            # POSTs in flight
    lease_seconds: float = 60.0     # outlives the longest attempt
    poll_seconds: float = 1.0
    request_timeout: float = 10.0
    backoff: BackoffPolicy = field(default_factory=lambda: BackoffPolicy(max_attempts=5, give_up_hours=48))


PUSH_SETTINGS = web.AppKey("push_settings", PushSettings)  # tests may set it before start


def token_associated(subscription_id: int) -> bytes:
    """Binds an encrypted access token to its subscription row."""
    return f"push_subscription:{subscription_id}:access_token".encode()


class PushSender:
    """Claims due pushes and sends them."""

    def __init__(self, app: web.Application, session: aiohttp.ClientSession, settings: PushSettings) -> None:
        self.app, self.session, self.settings = app, session, settings
        self.db: Database = app[DB]
        self._slots = asyncio.Semaphore(settings.concurrency)

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep every `poll_seconds` until `stop` is set. Stopping waits for
        the sweep under way instead of cancelling it, so no write transaction
        is cut in half."""
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:  # the next sweep retries; a failure must not end the loop
                logger.exception("web push sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.poll_seconds)

    async def sweep(self) -> int:
        """Send what is due, batch after batch; how many rows were handled.
        A read first: an idle node takes no write lock for pushes."""
        handled = 0
        for _ in range(100):  # bounded: the next sweep goes on
            due = await web_push_queue.next_due_at(self.db)
            if due is None or due > clock.now_iso():
                break
            now = clock.now()
            lease = now + dt.timedelta(seconds=self.settings.lease_seconds)
            jobs = await web_push_queue.claim_due(self.db, now=clock.iso(now), lease_until=clock.iso(lease),
                                                  limit=self.settings.batch)
            if not jobs:
                break
            await asyncio.gather(*(self._send_in_slot(job) for job in jobs))
            handled += len(jobs)
        return handled

    async def _send_in_slot(self, job: PushJob) -> None:
        async with self._slots:
            try:
                await self.send(job)
            except Exception:  # a bug must not stop the sweep; the lease brings the row back
                logger.exception("web push %s/%s crashed", job.notification_id, job.subscription_id)

    async def send(self, job: PushJob) -> str:
        """One attempt at one push; what became of it (for logs and tests)."""
        sub = await push_subscriptions.get_subscription(self.db, job.subscription_id)
        row = await get_notification(self.db, sub.account_id, job.notification_id) if sub else None
        payload = await push_payload(self.app, self.db, row, self._access_token(sub)) if sub and row else None
        if sub is None or payload is None:
            await web_push_queue.finish(self.db, job)
            return "nothing to send"
        runtime = self.app[WEB_PUSH]
        target = PushTarget(sub.endpoint, sub.key_p256dh, sub.key_auth, bool(sub.standard))
        try:
            body, headers = encrypt_message(runtime.keys, target, json.dumps(payload).encode(), runtime.subject)
        except (PushKeyError, ValueError) as exc:
            logger.info("web push to subscription %s not sent: %s", sub.id, exc)
            await web_push_queue.finish(self.db, job)
            return "unencryptable"
        answer = await post_activity(self.session, sub.endpoint, body, headers, self.settings.request_timeout)
        return await self._record(job, sub, answer.status, answer.error, answer.retry_after)

    def _access_token(self, sub: PushSubscriptionRow | None) -> str | None:
        if sub is None:
            return None
        try:
            return self.app[IDENTITY].decrypt(sub.access_token_blob, token_associated(sub.id))
        except VaultError:
            return None

    async def _record(self, job: PushJob, sub: PushSubscriptionRow, status: int | None, error: str,
                      retry_after: str | None) -> str:
        if status in (404, 410):
            await push_subscriptions.delete_subscription(self.db, sub.id)
            logger.info("push subscription %s removed: its endpoint answered %s", sub.id, status)
            return "subscription removed"
        now = clock.now()
        outcome = classify(status, error, attempts=job.attempts, now=now,
                           give_up_at=now + dt.timedelta(hours=self.settings.backoff.give_up_hours),
                           policy=self.settings.backoff, retry_after=retry_after)
        if error.startswith("refused") or outcome.state != "queued" or outcome.next_attempt_at is None:
            await web_push_queue.finish(self.db, job)
            if outcome.state != "done":
                logger.info("web push to subscription %s dropped: %s", sub.id, error or outcome.reason)
            return "sent" if outcome.state == "done" else "dropped"
        await web_push_queue.reschedule(self.db, job, clock.iso(outcome.next_attempt_at), outcome.reason)
        return "retry"


def push_settings(app: web.Application) -> PushSettings:
    return app.get(PUSH_SETTINGS) or PushSettings()


async def push_context(app: web.Application) -> AsyncIterator[None]:
    """Load (or make) the key pair, open the safe session, run the sender."""
    config = app[CONFIG]
    keys = await load_vapid_keys(app[DB])
    app[WEB_PUSH] = WebPushRuntime(keys, vapid_subject(config.node.contact_email, config.node.base_url))
    settings = push_settings(app)
    session = create_fetch_session(allow_private_addresses=config.federation.allow_private_addresses,
                                   user_agent=f"{SOFTWARE}/{VERSION} (+{config.node.base_url})",
                                   total_timeout=settings.request_timeout)
    sender, stop = PushSender(app, session, settings), asyncio.Event()
    task = asyncio.create_task(sender.run(stop), name="web-push")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, settings.request_timeout + 5)
        except TimeoutError:  # a push service holding us: its lease brings the row back
            logger.warning("web push sender did not stop in time")
        await session.close()

