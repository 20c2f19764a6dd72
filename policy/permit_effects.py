"""What a permit's status change does to the node's ties with that peer.

Suspended, revoked or removed (article 7(6): no more exchange with it):
deliveries still queued for the host are dropped with the reason, every
follow to or from its accounts is frozen (kept, `follows.frozen = 1`,
not deleted) and the host is listed in `restricted_peers`, which keeps
its accounts' content out of timelines. Active again: the listing goes
and the follows thaw, so everything comes back as it was; dropped
deliveries stay dropped (they were never sent, and the peer can fetch).

`apply_permit_change` is called by the permits CLI and admin API after a
registry change has been stored, with the `PermitChange` it returned.
Deliveries in flight at that moment are stopped by the worker's own gate
check before any retry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from policy.permits import PermitChange
from storage import deliveries as store
from storage.database import Database, Writer

logger = logging.getLogger(__name__)

RESTRICTING = frozenset({"suspended", "revoked"})


@dataclass(frozen=True, slots=True)
class PermitEffects:
    host: str
    action: str            # restrict | release | none
    status: str            # the permit's status after the change ("removed" when deleted)
    dropped_deliveries: int = 0
    frozen_follows: int = 0
    thawed_follows: int = 0


def effect_of(change: PermitChange) -> tuple[str, str]:
    """(action, status) for a change: a pure decision."""
    after = change.after
    status = "removed" if after is None else after.status
    if status in RESTRICTING or status == "removed":
        return "restrict", status
    before = change.before.status if change.before is not None else None
    if status == "active" and before != "active":  # re-activated, or re-added after a removal
        return "release", status
    return "none", status


async def apply_permit_change(db: Database, change: PermitChange) -> PermitEffects:
    """Carry out `effect_of(change)` in one write transaction."""
    action, status = effect_of(change)
    if action == "none":
        return PermitEffects(change.host, action, status)
    async with db.write() as w:
        return await apply_permit_change_in(w, change)


async def apply_permit_change_in(w: Writer, change: PermitChange) -> PermitEffects:
    """`apply_permit_change` inside the caller's transaction (the registry's
    sync stores the permit, its effects and the audit record together)."""
    action, status = effect_of(change)
    host = change.host
    if action == "none":
        return PermitEffects(host, action, status)
    if action == "restrict":
        reason = f"{status}: the permit of {host} is {status}"
        dropped = await store.drop_pending_for_host(w, host, reason)
        frozen = await store.restrict_peer(w, host, status, reason)
        effects = PermitEffects(host, action, status, dropped_deliveries=dropped, frozen_follows=frozen)
    else:
        effects = PermitEffects(host, action, status, thawed_follows=await store.release_peer(w, host))
    logger.info("permit of %s %s: %s", host, status, effects)
    return effects


async def apply_permit_changes(db: Database, changes: Iterable[PermitChange]) -> list[PermitEffects]:
    """The effects of several changes (an import), in order."""
    return [await apply_permit_change(db, change) for change in changes]
