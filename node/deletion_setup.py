"""Background work of account deletion: the queue, and identity retention.

The deletion queue (`storage.account_deletions`, one row per deleted
account) is worked every few seconds and at once when a deletion is
made in this process (`DELETIONS` wakes it). A row moves through:

- announce: the Delete of the actor is queued for the peers
  (`federation.account_deletion_out`, nothing while federation is off),
  while the relations that say which peers still exist;
- purge: statuses in batches of `BATCH`, each batch its own transaction,
  then every other row of the account and its profile
  (`storage.account_purge`), the media files after each commit; a large
  account gives its lease back after `BATCHES_PER_TURN` batches;
- finish: once no delivery signed by the account's key is pending (or
  after `KEY_KEPT_AT_MOST`, for a node whose federation went off) the
  private key is dropped; the row is done.

The identity sweep runs hourly: identity records of accounts deleted
more than `[identity] retention_days` ago are removed (ciphertext and
keyed hash), each with an `identity.purged` audit entry in the same
transaction; it takes `now` so tests can drive it with a clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from federation import account_deletion_out
from federation.emit import after_commit
from node.audit_log import audit
from node.keys import CONFIG, DB
from node.media_files import remove_files
from node.periodic import periodic, running
from storage import account_deletions, account_purge, clock
from storage.account_deletions import DeletionRow

logger = logging.getLogger(__name__)

DELETIONS = web.AppKey("deletions", asyncio.Event)  # set to have the queue worked now
POLL_SECONDS = 5.0
LEASE = dt.timedelta(minutes=5)
BATCH = 200
BATCHES_PER_TURN = 50
KEY_KEPT_AT_MOST = dt.timedelta(days=7)
FINISH_RETRY = dt.timedelta(seconds=POLL_SECONDS)  # a count query; rarely any row waits
IDENTITY_SWEEP_SECONDS = 3600.0


def wake(app: web.Application) -> None:
    event = app.get(DELETIONS)
    if event is not None:
        event.set()


async def _announce(app: web.Application, row: DeletionRow) -> None:
    plan = await after_commit(app, account_deletion_out.account_deleted, row.account_id)
    if plan.inboxes:
        logger.info("Delete of deleted account %s queued for %d inbox(es)", row.account_id, len(plan.inboxes))
    async with app[DB].write() as w:
        await account_deletions.advance(w, row.account_id, "purge", clock.now())


async def _purge(app: web.Application, row: DeletionRow) -> None:
    db, media_dir = app[DB], app[CONFIG].storage.media_dir
    for _ in range(BATCHES_PER_TURN):
        async with db.write() as w:
            count, names = await account_purge.purge_statuses(w, row.account_id, BATCH)
        await remove_files(media_dir, names)
        if count < BATCH:
            break
    else:  # more left: another turn, so one large account does not hold the worker
        async with db.write() as w:
            await account_deletions.advance(w, row.account_id, "purge", clock.now())
        return
    async with db.write() as w:
        names = await account_purge.purge_relations(w, row.account_id)
        names += await account_purge.empty_profile(w, row.account_id)
        await account_deletions.advance(w, row.account_id, "finish", clock.now())
    await remove_files(media_dir, names)


async def _finish(app: web.Application, row: DeletionRow) -> None:
    """Drop the private key once nothing signed by it waits to be delivered."""
    moment = clock.now()
    pending = await account_deletions.pending_signed_deliveries(app[DB], row.account_id)
    waited_enough = moment - clock.parse(row.created_at) > KEY_KEPT_AT_MOST
    async with app[DB].write() as w:
        if pending and not waited_enough:
            await account_deletions.advance(w, row.account_id, "finish", moment + FINISH_RETRY)
            return
        await account_deletions.drop_private_key(w, row.account_id)
        await account_deletions.advance(w, row.account_id, "done", moment)
    logger.info("deleted account %s: done", row.account_id)


_STEPS = {"announce": _announce, "purge": _purge, "finish": _finish}


async def work_deletions(app: web.Application) -> int:
    """One pass over the due rows; returns how many steps it took."""
    rows = await account_deletions.claim_due(app[DB], clock.now(), LEASE)
    for row in rows:
        await _STEPS[row.state](app, row)
    return len(rows)


async def _forever(app: web.Application, event: asyncio.Event) -> None:
    while True:
        event.clear()
        try:
            while await work_deletions(app):  # a step may make the next one due at once
                pass
        except Exception:  # the lease runs out and the row is taken again
            logger.exception("account deletion step failed")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), POLL_SECONDS)


async def deletion_context(app: web.Application) -> AsyncIterator[None]:
    event = asyncio.Event()
    app[DELETIONS] = event
    async with running(_forever(app, event), "account-deletions"):
        yield


async def sweep_identities(app: web.Application, now: dt.datetime | None = None) -> int:
    """Remove identity records kept past the retention period; returns how many."""
    cutoff = (now or clock.now()) - dt.timedelta(days=app[CONFIG].identity.retention_days)
    purged = 0
    for account_id in await account_deletions.identities_past_retention(app[DB], cutoff):
        async with app[DB].write() as w:
            if await account_deletions.purge_identity(w, account_id, cutoff):
                await audit(w, "system", "identity.purged", ("account", account_id),
                            {"retention_days": app[CONFIG].identity.retention_days})
                purged += 1
    if purged:
        logger.info("purged %d identity record(s) past retention", purged)
    return purged


identity_retention_context = periodic("identity retention", IDENTITY_SWEEP_SECONDS, sweep_identities)
