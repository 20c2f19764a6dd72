"""Which subscription's entry a host's permit follows: pure decisions with reasons.

The permit registry holds one row per host. A row whose `source` is
`registry:<subscription id>` is managed by that subscription; any other
source (cli, import:FILE, admin-api) is a local entry, and a local entry
always wins: no subscription changes it. Among subscriptions the highest
priority wins (ties: the older subscription), as GoToSocial's domain
permission subscriptions do. An offer from a `draft` subscription counts
once an admin approved exactly those fields; until then it keeps the host
from being dropped but grants nothing. Restrictions need no approval: a
publisher's suspension or revocation of a host we already list applies
at once, and a host no subscription offers any more is revoked here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from policy.permits import REGISTRY_SOURCE as SOURCE_PREFIX
from policy.permits import PermitEntry

PERMITS_MODES = ("draft", "active")
LISTS_MODES = ("off", "shadow", "enforce")
MIN_PRIORITY, MAX_PRIORITY = 0, 255


@dataclass(frozen=True, slots=True)
class Offer:
    """One subscription's entry for a host, as the merge weighs it."""

    subscription_id: int
    priority: int
    entry: PermitEntry
    permits_mode: str  # draft | active
    approved: bool  # draft: an admin approved these very fields


@dataclass(frozen=True, slots=True)
class MergeStep:
    """What to do with one host's permit, and why."""

    host: str
    action: str  # none | set | revoke
    reason: str
    entry: PermitEntry | None = None  # the row to store, for set and revoke
    subscription_id: int | None = None  # whose entry it is


def source_of(subscription_id: int) -> str:
    return f"{SOURCE_PREFIX}{subscription_id}"


def subscription_of(source: str) -> int | None:
    """The subscription that manages a row with this source; None for a local entry."""
    if not source.startswith(SOURCE_PREFIX):
        return None
    tail = source[len(SOURCE_PREFIX):]
    return int(tail) if tail.isdigit() else 0


def usable(offer: Offer, current: PermitEntry | None) -> bool:
    """Whether an offer may decide the host now (draft: approved, or a restriction)."""
    if offer.permits_mode == "active" or offer.approved:
        return True
    return offer.entry.status != "active" and current is not None


def ranked(offers: Sequence[Offer]) -> list[Offer]:
    return sorted(offers, key=lambda o: (-o.priority, o.subscription_id))


def decide_host(host: str, current: PermitEntry | None, offers: Sequence[Offer], *,
                note: str = "") -> MergeStep:
    """The one merge decision for a host: the current row and every offer in, a step out.

    `note` goes on rows the registry stores (where they came from).
    """
    if current is not None and subscription_of(current.source) is None:
        return MergeStep(host, "none", f"the local entry ({current.source or 'local'}) wins")
    winner = next((o for o in ranked(offers) if usable(o, current)), None)
    if winner is not None:
        wanted = dataclasses.replace(winner.entry, host=host, source=source_of(winner.subscription_id),
                                     note=note or winner.entry.note)
        if current is not None and _same(current, wanted):
            return MergeStep(host, "none", "up to date", subscription_id=winner.subscription_id)
        return MergeStep(host, "set", f"listed by subscription {winner.subscription_id} "
                         f"(priority {winner.priority})", wanted, winner.subscription_id)
    if offers:
        return MergeStep(host, "none", "waiting for an admin's approval")
    if current is None or current.status == "revoked":
        return MergeStep(host, "none", "no subscription lists it")
    owner = subscription_of(current.source)
    revoked = dataclasses.replace(current, status="revoked")
    return MergeStep(host, "revoke", "no subscription lists it any more", revoked, owner)


def _same(current: PermitEntry, wanted: PermitEntry) -> bool:
    keys = ("number", "kind", "holder", "status", "valid_until", "source")
    return all(getattr(current, k) == getattr(wanted, k) for k in keys)
