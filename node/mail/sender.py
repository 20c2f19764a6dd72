"""The mail worker: claims due outbox rows with a lease and sends them.

Every process runs one (as the Web Push sender); the lease (storage.
mail_outbox) keeps two from sending one message. A failure that may pass
(the server down, a 4xx answer, a timeout) puts the row back with
exponential back-off; after `max_attempts`, or at once on a 5xx refusal,
the row is kept as `dead` with its last error (`python -m node mail queue`
shows it). A server that is down loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from node.keys import CONFIG, DB, IDENTITY
from node.mail.outbox import unseal
from node.mail.transport import SendError, Transport, build_email, mail_directory, make_transport
from policy.identity.vault import VaultError
from storage import clock, mail_outbox
from storage.mail_outbox import MailRow

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MailSettings:
    batch: int = 16
    lease_seconds: float = 120.0   # outlives the SMTP timeout
    poll_seconds: float = 1.0
    max_attempts: int = 10
    first_retry_seconds: float = 30.0  # doubled after each failure,
    longest_retry_seconds: float = 3600.0  # up to this

    def retry_after(self, attempts: int) -> float:
        return min(self.longest_retry_seconds, self.first_retry_seconds * 2 ** max(0, attempts - 1))


MAIL_SETTINGS = web.AppKey("mail_settings", MailSettings)  # tests may set it before the app starts


class MailSender:
    def __init__(self, app: web.Application, transport: Transport, settings: MailSettings) -> None:
        self.app, self.transport, self.settings = app, transport, settings

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep every `poll_seconds` until `stop`; stopping waits for the sweep under way."""
        while not stop.is_set():
            try:
                await self.sweep()
            except Exception:  # the next sweep retries; a failure must not end the loop
                logger.exception("mail sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.poll_seconds)

    async def sweep(self) -> int:
        """Send what is due; how many rows were handled. A read first: an idle node takes no write lock."""
        db, handled = self.app[DB], 0
        for _ in range(20):  # bounded: the next sweep goes on
            due = await mail_outbox.next_due_at(db)
            if due is None or due > clock.now_iso():
                break
            now = clock.now()
            lease = now + dt.timedelta(seconds=self.settings.lease_seconds)
            rows = await mail_outbox.claim_due(db, now=clock.iso(now), lease_until=clock.iso(lease),
                                               limit=self.settings.batch)
            if not rows:
                break
            for row in rows:  # one at a time: a mail server is no place for a burst
                await self.send(row)
            handled += len(rows)
        return handled

    async def send(self, row: MailRow) -> str:
        """One attempt at one message: sent, retry or dead."""
        db = self.app[DB]
        try:
            message = unseal(self.app[IDENTITY], row.id, row.body)
            await self.transport.send(row.id, build_email(self.app[CONFIG], row.id, row.recipient, message))
        except VaultError:
            await mail_outbox.give_up(db, row, "the body cannot be decrypted with the vault key")
            return "dead"
        except (SendError, ValueError, KeyError, OSError) as exc:  # a bad row, a full disk: retried, then dead
            if not isinstance(exc, SendError):
                logger.exception("mail %s could not be sent", row.id)
            return await self._failed(row, exc if isinstance(exc, SendError)
                                      else SendError(f"{type(exc).__name__}: {exc}"[:300]))
        await mail_outbox.sent(db, row)
        return "sent"

    async def _failed(self, row: MailRow, failure: SendError) -> str:
        db = self.app[DB]
        if failure.permanent or row.attempts >= self.settings.max_attempts:
            await mail_outbox.give_up(db, row, failure.reason)
            logger.warning("mail %s (%s) given up after %s attempts: %s", row.id, row.kind, row.attempts,
                           failure.reason)
            return "dead"
        later = clock.now() + dt.timedelta(seconds=self.settings.retry_after(row.attempts))
        await mail_outbox.reschedule(db, row, clock.iso(later), failure.reason)
        logger.info("mail %s (%s) not sent, retrying at %s: %s", row.id, row.kind, clock.iso(later), failure.reason)
        return "retry"


async def mail_context(app: web.Application) -> AsyncIterator[None]:
    """Run the mail worker for as long as the app."""
    config = app[CONFIG]
    settings = app.get(MAIL_SETTINGS) or MailSettings()
    if not config.mail.host:
        logger.info("mail: no [mail] host set; messages are written as .eml files to %s", mail_directory(config))
    sender, stop = MailSender(app, make_transport(config), settings), asyncio.Event()
    task = asyncio.create_task(sender.run(stop), name="mail")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, settings.lease_seconds)
        except TimeoutError:  # a mail server holding us: the lease brings the row back
            logger.warning("mail sender did not stop in time")
