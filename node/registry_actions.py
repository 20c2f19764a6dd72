"""What an admin does with registry subscriptions, for the command line and /admin alike.

subscribe, change settings, approve draft entries, sync now, unsubscribe.
Each change is stored with its audit record in one transaction, and the
permits it moves are merged there too (node/registry_apply.py); a refusal
is a `RegistryError` whose one line the CLI prints in English and the page
flashes in its reader's language (`said()`).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from yarl import URL

from node.audit_log import audit
from node.i18n import N_, _
from node.registry_apply import Actor, PermitApplied, managed_hosts, merge_hosts, put_lists_in_force
from node.registry_context import RegistryContext
from node.registry_sync import SyncResult, sync_subscription
from policy.identity import AuthorityKeyError, parse_public_key
from policy.permits import PermitError, normalise_host
from policy.registry_merge import LISTS_MODES, MAX_PRIORITY, MIN_PRIORITY, PERMITS_MODES, source_of
from storage import clock
from storage import registry as store
from storage.database import Database

MAX_URL = 2000
WAIT_SECONDS, WAIT_TRIES = 0.25, 120  # a sync in progress elsewhere: up to 30 s


class RegistryError(Exception):
    """A refused registry action, said in one line.

    `message` is a catalogued `%(name)s` text (marked with `N_()` where it
    is raised); `str()` is its English, for the command line, and `said()`
    the current locale's, for the page.
    """

    def __init__(self, message: str, /, **values: object) -> None:
        super().__init__(message % values if values else message)
        self.message, self.values = message, values

    def said(self) -> str:
        return _(self.message, **self.values)


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """A subscription with what it brings: for the listing and the page."""

    row: store.SubscriptionRow
    entries: int
    in_force: int  # active permits it manages here
    pending: int  # draft entries waiting for approval

    @property
    def expired(self) -> bool:
        until = self.row.last_expires_at
        return until is not None and clock.parse(until) <= clock.now()


def new_subscription(url: str, public_key: str, permits_mode: str = "draft", lists_mode: str = "off",
                     priority: int | str = 0) -> store.NewSubscription:
    """A checked subscription; RegistryError names the bad field."""
    try:
        parsed = URL(url.strip())
    except (ValueError, TypeError):
        raise RegistryError(N_("url: %(url)s is not a URL"), url=repr(url)) from None
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.user or parsed.password \
            or len(url) > MAX_URL:
        raise RegistryError(N_("url: %(url)s is not an http(s) URL without credentials"), url=repr(url))
    try:
        parse_public_key(public_key)
    except AuthorityKeyError as exc:
        raise RegistryError(N_("public key: %(reason)s"), reason=str(exc)) from None
    if permits_mode not in PERMITS_MODES:
        raise RegistryError(N_("permits: %(mode)s is not one of %(modes)s"), mode=repr(permits_mode),
                            modes=", ".join(PERMITS_MODES))
    if lists_mode not in LISTS_MODES:
        raise RegistryError(N_("lists: %(mode)s is not one of %(modes)s"), mode=repr(lists_mode),
                            modes=", ".join(LISTS_MODES))
    return store.NewSubscription(str(parsed.with_fragment(None)), public_key.strip(), permits_mode, lists_mode,
                                 _priority(priority))


def _priority(value: int | str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not MIN_PRIORITY <= number <= MAX_PRIORITY:
        raise RegistryError(N_("priority: %(value)s is not a whole number from %(low)s to %(high)s"),
                            value=repr(value), low=MIN_PRIORITY, high=MAX_PRIORITY)
    return number


async def subscription(db: Database, sub_id: int | str) -> store.SubscriptionRow:
    try:
        row = await store.get_subscription(db, int(sub_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise RegistryError(N_("no registry subscription %(id)s"), id=sub_id)
    return row


async def subscribe(ctx: RegistryContext, actor: Actor, new: store.NewSubscription) -> store.SubscriptionRow:
    async with ctx.db.write() as w:
        row = await store.insert_subscription(w, ctx.ids.next_id(), new, clock.now_iso())
        if row is None:
            raise RegistryError(N_("already subscribed to %(url)s"), url=new.url)
        await audit(w, actor, "registry.subscribe", ("registry_subscription", row.id),
                    {"url": row.url, "public_key": row.public_key, "permits": row.permits_mode,
                     "lists": row.lists_mode, "priority": row.priority})
    return row


async def unsubscribe(ctx: RegistryContext, actor: Actor, sub_id: int | str) -> list[PermitApplied]:
    """Forget the subscription: the permits it managed are revoked unless a
    local entry or another subscription keeps them; its lists leave the policy."""
    row = await subscription(ctx.db, sub_id)
    async with ctx.db.write() as w:
        hosts = await managed_hosts(w, row.id)
        await store.delete_subscription(w, row.id)
        applied = await merge_hosts(w, ctx.ids, hosts, actor)
        await audit(w, actor, "registry.unsubscribe", ("registry_subscription", row.id),
                    {"url": row.url, "last_version": row.last_version, "permits_changed": len(applied)})
    await put_lists_in_force(ctx.config, _without_lists(row), None, ctx.reload)
    return applied


def _without_lists(row: store.SubscriptionRow) -> store.SubscriptionRow:
    return dataclasses.replace(row, lists_mode="off")


async def approve(ctx: RegistryContext, actor: Actor, sub_id: int | str,
                  hosts: Sequence[str] | None) -> tuple[list[str], list[PermitApplied]]:
    """Approve a draft subscription's waiting entries (all, or these hosts)."""
    row = await subscription(ctx.db, sub_id)
    try:
        wanted = None if hosts is None else [normalise_host(h) for h in hosts]
    except PermitError as exc:
        raise RegistryError(str(exc)) from None
    async with ctx.db.write() as w:
        approved = await store.approve_entries(w, row.id, wanted)
        if wanted is not None and (missing := sorted(set(wanted) - set(approved))):
            raise RegistryError(N_("nothing of %(hosts)s waits for approval in subscription %(id)s"),
                                hosts=", ".join(missing), id=row.id)
        applied = await merge_hosts(w, ctx.ids, approved, actor)
        if approved:
            await audit(w, actor, "registry.approve", ("registry_subscription", row.id),
                        {"url": row.url, "hosts": approved, "permits_changed": len(applied)})
    return approved, applied


@dataclass(frozen=True, slots=True)
class SettingsChange:
    row: store.SubscriptionRow
    permits: tuple[PermitApplied, ...]
    lists: str


async def change_settings(ctx: RegistryContext, actor: Actor, sub_id: int | str, *, permits_mode: str | None = None,
                          lists_mode: str | None = None, priority: int | str | None = None) -> SettingsChange:
    """New modes or priority; permits re-merged at once, lists put in force
    (turned on, they arrive with the next sync, which is made due now)."""
    row = await subscription(ctx.db, sub_id)
    checked = new_subscription(row.url, row.public_key, permits_mode or row.permits_mode,
                               lists_mode or row.lists_mode, row.priority if priority is None else priority)
    lists_on = row.lists_mode == "off" and checked.lists_mode != "off"
    async with ctx.db.write() as w:
        await store.update_settings(w, row.id, permits_mode=checked.permits_mode, lists_mode=checked.lists_mode,
                                    priority=checked.priority, now=clock.now_iso(), sync_now=lists_on)
        applied = await merge_hosts(w, ctx.ids, await managed_hosts(w, row.id), actor)
        await audit(w, actor, "registry.settings", ("registry_subscription", row.id),
                    {"url": row.url, "before": _settings(row), "after": _settings(checked),
                     "permits_changed": len(applied)})
        updated = await store.get_subscription(w, row.id)
    assert updated is not None
    lists = await put_lists_in_force(ctx.config, updated, None, ctx.reload)
    return SettingsChange(updated, tuple(applied), lists or ("lists arrive with the next sync" if lists_on else ""))


def _settings(row: store.SubscriptionRow | store.NewSubscription) -> dict[str, object]:
    return {"permits": row.permits_mode, "lists": row.lists_mode, "priority": row.priority}


async def sync_now(ctx: RegistryContext, actor: Actor, sub_id: int | str) -> SyncResult:
    """Sync at once; while another process (the schedule) holds it, wait a little for it to finish."""
    row = await subscription(ctx.db, sub_id)
    for _attempt in range(WAIT_TRIES):
        result = await sync_subscription(ctx, actor, row.id)
        if result is not None:
            return result
        await asyncio.sleep(WAIT_SECONDS)
    raise RegistryError(N_("subscription %(id)s is being synced by another process; try again shortly"), id=row.id)


async def overview(db: Database) -> list[SubscriptionView]:
    """Every subscription with its counts, highest priority first."""
    rows = await store.list_subscriptions(db)
    in_force = await store.permits_in_force(db)
    waiting: dict[int, int] = {}
    for entry in await store.pending_entries(db):
        waiting[entry.subscription_id] = waiting.get(entry.subscription_id, 0) + 1
    entries = await store.entry_counts(db)
    return [SubscriptionView(r, entries.get(r.id, 0), in_force.get(source_of(r.id), 0), waiting.get(r.id, 0))
            for r in rows]
