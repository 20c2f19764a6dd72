"""Carrying out a registry's entries and lists: permits, their effects, the audit log.

`merge_hosts` asks `policy.registry_merge.decide_host` about each host and
stores what it decides inside the caller's write transaction, with the
permit's usual effects (`policy.permit_effects`: a revocation drops queued
deliveries, freezes follows and hides the peer) and one audit record per
changed permit, so a change, its effects and its record commit together.

`put_lists_in_force` makes a subscription's word lists what its mode and
last good document say: written as category files, the whole policy
checked with them (the same check as an admin's list edit,
`node.screening_lists.check_with`), and only then the manifest replaced and
the screening policy reloaded. A list that fails the check never replaces
the good one.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from node.audit_log import audit, permit_details
from node.auth import Auth
from node.config import Config
from node.screening_lists import check_with
from node.screening_setup import registry_dir
from policy import permit_effects, permits
from policy.registry_document import PublishedList, RegistryDocument
from policy.registry_lists import (ListsManifest, categories_of, read_manifest, remove_lists, replace_manifest,
                                   version_folder, write_lists)
from policy.registry_merge import Offer, decide_host, source_of
from policy.screening import PolicyError
from storage import permits as permit_store
from storage import registry as store
from storage.accounts import AccountRow
from storage.database import Database, Writer
from storage.ids import IdGenerator

logger = logging.getLogger(__name__)

Actor = Auth | AccountRow | str
Reload = Callable[[], Awaitable[object]]
CHUNK = 500  # hosts per query: well under every engine's parameter limit
BATCH = 200  # hosts per write transaction in a sync


class ListsRefusedError(Exception):
    """A subscription's word lists failed the policy check; the old ones stay."""


@dataclass(frozen=True, slots=True)
class PermitApplied:
    host: str
    action: str  # create | update | revoke | suspend | activate
    status: str
    reason: str


def offer_of(row: store.EntryRow, sub: store.SubscriptionRow) -> Offer:
    entry = permits.PermitEntry(host=row.host, number=row.number, kind=row.kind, holder=row.holder,
                                status=row.status, valid_until=permits.parse_valid_until(row.valid_until),
                                source=source_of(sub.id), note=f"registry {sub.url}")
    return Offer(sub.id, sub.priority, entry, sub.permits_mode, row.approved)


async def merge_hosts(w: Writer, ids: IdGenerator, hosts: Iterable[str], actor: Actor) -> list[PermitApplied]:
    """Decide and store every host's permit from the subscriptions' offers."""
    subs = {s.id: s for s in await store.list_subscriptions(w)}
    ordered = sorted(set(hosts))
    applied: list[PermitApplied] = []
    for start in range(0, len(ordered), CHUNK):
        chunk = ordered[start:start + CHUNK]
        current = await permit_store.permits_by_host(w, chunk)
        offers: dict[str, list[Offer]] = {}
        for row in await store.entries_for_hosts(w, chunk):
            offers.setdefault(row.host, []).append(offer_of(row, subs[row.subscription_id]))
        for host in chunk:
            row = current.get(host)
            step = decide_host(host, permits.entry_from_row(row) if row else None, offers.get(host, []))
            if step.entry is None:
                continue
            change = await permits.store_entry(w, ids.next_id(), step.entry)
            effects = await permit_effects.apply_permit_change_in(w, change)
            await audit(w, actor, f"permit.{change.action}", ("permit", host),
                        {**permit_details(change), "registry": {"subscription": str(step.subscription_id),
                                                                "reason": step.reason},
                         "effects": {"dropped_deliveries": effects.dropped_deliveries,
                                     "frozen_follows": effects.frozen_follows,
                                     "thawed_follows": effects.thawed_follows}})
            applied.append(PermitApplied(host, change.action, step.entry.status, step.reason))
    return applied


async def merge_in_batches(db: Database, ids: IdGenerator, hosts: Iterable[str],
                           actor: Actor) -> list[PermitApplied]:
    """`merge_hosts` in transactions of `BATCH` hosts, so that a first sync of
    thousands of entries never holds the node's writer for long; each
    permit still commits with its effects and its audit record."""
    ordered = sorted(set(hosts))
    applied: list[PermitApplied] = []
    for start in range(0, len(ordered), BATCH):
        async with db.write() as w:
            applied += await merge_hosts(w, ids, ordered[start:start + BATCH], actor)
    return applied


async def managed_hosts(w: Writer, sub_id: int) -> set[str]:
    """The hosts a subscription offers or whose permit it manages."""
    offered = {e.host for e in await store.entries_of(w, sub_id)}
    return offered | set(await permit_store.hosts_with_source(w, source_of(sub_id)))


# --- word lists -----------------------------------------------------------------

async def put_lists_in_force(config: Config, sub: store.SubscriptionRow, document: RegistryDocument | None,
                             reload: Reload) -> str:
    """Make the subscription's lists match its mode (and `document`, when given);
    what changed ("" for nothing). Raises ListsRefusedError."""
    folder = registry_dir(config)
    current = await asyncio.to_thread(read_manifest, folder, sub.seq)
    if sub.lists_mode == "off":
        if await asyncio.to_thread(remove_lists, folder, sub.seq):
            await reload()
            return "lists removed"
        return ""
    if current is not None and (document is None or current.digest == document.digest):
        if current.mode == sub.lists_mode:
            return ""
        await asyncio.to_thread(replace_manifest, folder, current.with_mode(sub.lists_mode))
        await reload()
        return f"lists now {sub.lists_mode}"
    if document is None:
        return ""  # lists turned on: the next sync brings them
    manifest = await _checked_manifest(config, sub, document, current)
    await asyncio.to_thread(replace_manifest, folder, manifest)
    await reload()
    return f"{len(document.lists)} lists in force ({sub.lists_mode})"


async def _checked_manifest(config: Config, sub: store.SubscriptionRow, document: RegistryDocument,
                            current: ListsManifest | None) -> ListsManifest:
    folder = registry_dir(config)
    manifest = await asyncio.to_thread(
        write_lists, folder, subscription_id=sub.id, seq=sub.seq, url=sub.url, version=document.version,
        digest=document.digest, mode=sub.lists_mode, lists=document.lists)
    leaving = {c["name"] for c in current.categories} if current else set()
    try:
        fresh = categories_of(folder, manifest)
        problems = await asyncio.to_thread(
            check_with, config.path, lambda cats: tuple(c for c in cats if c.name not in leaving) + fresh)
    except PolicyError as exc:  # a category the loader would refuse is a refusal like any other
        problems = (str(exc),)
    if problems:
        _discard(folder, sub.seq, document, current)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ListsRefusedError(f"word lists refused: {problems[0]}{more}")
    return manifest


def _discard(folder: Path, seq: int, document: RegistryDocument, current: ListsManifest | None) -> None:
    name = version_folder(document.version, document.digest)
    if current is None or version_folder(current.version, current.digest) != name:
        shutil.rmtree(folder / str(seq) / name, ignore_errors=True)


def lists_summary(lists: Iterable[PublishedList]) -> dict[str, int]:
    return {item.name: len(item.terms) for item in lists}
