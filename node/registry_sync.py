"""Syncing registry subscriptions: on a schedule and on demand.

One sync: claim the subscription (a lease in a write transaction, so with
several processes on one database only one syncs it), fetch its document
through the SSRF-safe session, verify it (signature, version order,
expiry: policy/registry_document.py), put its word lists in force if they
pass the policy check, store its entries, merge every host it touches
(node/registry_apply.py, in transactions of a few hundred hosts, each
permit with its effects and audit record), and last record the document
as the last good one with the sync's audit record. A refused or failed
document changes nothing but the subscription's last error, which the
admin sees in `registry subscriptions` and on /admin/registry; the last
good document stays in force. A refusal is audited once per distinct
reason, so a bad document fetched every hour is not logged every hour.

The schedule: every subscription is due `SYNC_EVERY` after its last sync,
sooner after a failure (one minute, doubling), and `sweep_registry` (every
minute, through node/periodic.py) takes the due ones.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from federation.fetch import FetchError, create_fetch_session
from federation.registry_fetch import fetch_registry
from node.audit_log import audit
from node.i18n import N_
from node.keys import CONFIG, DB, FETCH_SESSION, IDS, REGISTRY, SCREENING
from node.periodic import periodic
from node.registry_apply import (Actor, ListsRefusedError, PermitApplied, lists_summary, managed_hosts,
                                 merge_in_batches, put_lists_in_force)
from node.registry_context import RegistryContext
from node.version import SOFTWARE, VERSION
from policy.registry_document import RegistryDocument, RegistryDocumentError, entry_digest, open_document, order_of
from storage import clock
from storage import registry as store

logger = logging.getLogger(__name__)

SYNC_EVERY = dt.timedelta(hours=1)
RETRY_FIRST = dt.timedelta(minutes=1)
LEASE = dt.timedelta(minutes=5)
SWEEP_SECONDS = 60.0
MAX_PER_SWEEP = 20


class LeaseLostError(Exception):
    """Another process took the subscription over (our lease ran out)."""


@dataclass(frozen=True, slots=True)
class SyncResult:
    subscription_id: int
    outcome: str  # applied | unchanged | refused | failed
    message: str  # English, as stored in last_error; the page looks it up in the catalog
    version: int | None = None
    permits: tuple[PermitApplied, ...] = ()
    lists: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome in ("applied", "unchanged")


async def sync_subscription(ctx: RegistryContext, actor: Actor, sub_id: int | None = None) -> SyncResult | None:
    """Sync `sub_id` now (None: the most urgent due one); None if it could not be claimed."""
    now = clock.now()
    sub = await store.claim_subscription(ctx.db, now=clock.iso(now), lease_until=clock.iso(now + LEASE),
                                         sub_id=sub_id)
    if sub is None:
        return None
    try:
        return await _sync_claimed(ctx, sub, now, actor)
    except Exception:
        await store.release(ctx.db, sub)
        raise


async def _sync_claimed(ctx: RegistryContext, sub: store.SubscriptionRow, now: dt.datetime,
                        actor: Actor) -> SyncResult:
    assert ctx.session is not None, "a sync needs a fetch session"
    try:
        body = await fetch_registry(ctx.session, sub.url)
    except FetchError as exc:
        return await _failed(ctx, sub, now, actor, "failed", f"fetch failed: {exc}")
    try:
        document = open_document(body, sub.public_key, now=now)
        order = order_of(document, sub.last_version, sub.last_digest)
        lists = await put_lists_in_force(ctx.config, sub, document, ctx.reload)
    except RegistryDocumentError as exc:
        return await _failed(ctx, sub, now, actor, "refused", exc.message, reason=exc.reason)
    except ListsRefusedError as exc:
        return await _failed(ctx, sub, now, actor, "refused", str(exc), reason="lists")
    try:
        applied = await _apply(ctx, sub, document, order, lists, now, actor)
    except LeaseLostError:
        return SyncResult(sub.id, "failed", N_("another process took this sync over"))
    outcome = "applied" if order == "new" else "unchanged"
    message = f"version {document.version} {'applied' if order == 'new' else 'unchanged'}"
    return SyncResult(sub.id, outcome, message, document.version, tuple(applied), lists)


async def _apply(ctx: RegistryContext, sub: store.SubscriptionRow, document: RegistryDocument, order: str,
                 lists: str, now: dt.datetime, actor: Actor) -> list[PermitApplied]:
    entries = [store.NewEntry(e.host, e.number, e.kind, e.holder, e.status,
                              e.valid_until.isoformat() if e.valid_until else None, entry_digest(e))
               for e in document.permits]
    good = store.GoodDocument(document.version, document.digest, clock.iso(document.issued_at),
                              clock.iso(document.expires_at))
    async with ctx.db.write() as w:
        if not await store.holds_lease(w, sub):
            raise LeaseLostError(sub.id)
        touched = await store.replace_entries(w, sub.id, entries, clock.iso(now))
        hosts = touched | await managed_hosts(w, sub.id)
    # Until the last transaction records the document, a crash or a lost
    # lease leaves it "new" for the next sync, which merges again (merging
    # is idempotent: an entry already as decided is left alone).
    applied = await merge_in_batches(ctx.db, ctx.ids, hosts, actor)
    async with ctx.db.write() as w:
        if not await store.finish_success(w, sub, good, now=clock.iso(now), next_sync_at=clock.iso(now + SYNC_EVERY)):
            raise LeaseLostError(sub.id)
        if order == "new" or applied or lists:
            await audit(w, actor, "registry.sync", ("registry_subscription", sub.id), {
                "url": sub.url, "version": document.version, "previous_version": sub.last_version,
                "digest": document.digest, "entries": len(entries), "entries_changed": len(touched),
                "permits_changed": len(applied), "lists": lists_summary(document.lists) if lists else None})
    return applied


async def _failed(ctx: RegistryContext, sub: store.SubscriptionRow, now: dt.datetime, actor: Actor,
                  outcome: str, message: str, *, reason: str = "") -> SyncResult:
    kept = f"; version {sub.last_version} stays in force" if sub.last_version is not None else ""
    if outcome == "refused" and "stays in force" not in message:
        message += kept
    delay = min(SYNC_EVERY, RETRY_FIRST * 2 ** min(sub.failures, 12))
    async with ctx.db.write() as w:
        await store.finish_failure(w, sub, now=clock.iso(now), error=message, next_sync_at=clock.iso(now + delay))
        if outcome == "refused" and message != sub.last_error:
            await audit(w, actor, "registry.refused", ("registry_subscription", sub.id),
                        {"url": sub.url, "reason": reason, "message": message, "kept_version": sub.last_version})
    logger.info("registry subscription %s (%s): %s", sub.id, sub.url, message)
    return SyncResult(sub.id, outcome, message, sub.last_version)


# --- in the server -------------------------------------------------------------

async def _reload_policy(app: web.Application) -> object:
    holder = app.get(SCREENING)
    return await holder.reload() if holder is not None else None


async def registry_context(app: web.Application) -> AsyncIterator[None]:
    """`REGISTRY` for the app's lifetime; after federation_context, whose session it borrows."""
    config = app[CONFIG]
    session = app.get(FETCH_SESSION)
    own = None
    if session is None:  # federation off: word lists still sync, through a session of the same kind
        session = own = create_fetch_session(allow_private_addresses=config.federation.allow_private_addresses,
                                             user_agent=f"{SOFTWARE}/{VERSION} (+{config.node.base_url})")
    app[REGISTRY] = RegistryContext(config, app[DB], app[IDS], lambda: _reload_policy(app), session)
    try:
        yield
    finally:
        if own is not None:
            await own.close()


async def sweep_registry(app: web.Application) -> list[SyncResult]:
    """Sync the due subscriptions, most urgent first (bounded per sweep)."""
    results = []
    for _ in range(MAX_PER_SWEEP):
        result = await sync_subscription(app[REGISTRY], "system")
        if result is None:
            break
        if not result.ok:  # nobody waits for this answer: the log is where an operator sees it
            logger.warning("registry subscription %s: %s", result.subscription_id, result.message)
        results.append(result)
    return results


registry_sync_context = periodic("registry sync", SWEEP_SECONDS, sweep_registry)
