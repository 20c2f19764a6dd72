"""Who receives a local activity: inboxes on permitted hosts only.

An `Audience` names the remote recipients of an activity: the author's
followers (by visibility), mentioned accounts, the parent's author for a
reply, the target of a follow or block. `plan_delivery` turns it into
inbox URLs, one per shared inbox (a peer with 20 followers of the author
gets one POST), and asks the permit gate once per host: a host without a
permit gets nothing, and is named in the plan's `refused` with the gate's
reason. `send` plans and enqueues. The worker asks the gate again before
each attempt, since a permit may be revoked while a row waits.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from federation.delivery import DeliveryQueue, PeerGate, inbox_host
from policy.permits import PermitError
from storage import deliveries as store
from storage.database import Database
from storage.deliveries import InboxRow
from storage.statuses import StatusRow

logger = logging.getLogger(__name__)

FOLLOWER_VISIBILITIES = frozenset({"public", "unlisted", "private"})


@dataclass(frozen=True, slots=True)
class Audience:
    followers_of: int | None = None        # a local account whose remote followers receive it
    account_ids: tuple[int, ...] = ()      # specific accounts (remote ones receive it)
    boosters: tuple[int, ...] = ()         # local accounts whose remote followers received a boost of it

    def plus(self, *account_ids: int | None) -> Audience:
        extra = tuple(a for a in account_ids if a is not None)
        return replace(self, account_ids=tuple(dict.fromkeys(self.account_ids + extra)))


@dataclass(frozen=True, slots=True)
class Plan:
    inboxes: tuple[str, ...]                  # de-duplicated, permitted hosts only
    refused: tuple[tuple[str, str], ...] = ()  # (host, gate reason) left out

    @property
    def hosts(self) -> int:
        return len({inbox_host(i) for i in self.inboxes})


def status_audience(status: StatusRow, mention_ids: Iterable[int] = ()) -> Audience:
    """Followers unless direct; mentioned accounts; the parent's author."""
    followers = status.account_id if status.visibility in FOLLOWER_VISIBILITIES else None
    return Audience(followers, ()).plus(*mention_ids, status.in_reply_to_account_id)


async def recipients(db: Database, audience: Audience) -> list[InboxRow]:
    rows: list[InboxRow] = []
    for account_id in dict.fromkeys((audience.followers_of, *audience.boosters)):
        if account_id is not None:
            rows += await store.follower_inboxes(db, account_id)
    rows += await store.account_inboxes(db, list(audience.account_ids))
    return rows


async def plan_delivery(db: Database, gate: PeerGate, audience: Audience) -> Plan:
    """Inboxes for the audience: shared ones first, each once, permitted hosts only."""
    targets = list(dict.fromkeys(r.target for r in await recipients(db, audience) if r.target))
    decided: dict[str, tuple[bool, str]] = {}
    inboxes: list[str] = []
    for target in targets:
        try:
            host = inbox_host(target)
        except PermitError as exc:
            decided.setdefault(target, (False, str(exc)))
            continue
        if host not in decided:
            decision = await gate.check(host)
            decided[host] = (decision.permitted, decision.reason)
        if decided[host][0]:
            inboxes.append(target)
    refused = tuple((h, reason) for h, (ok, reason) in decided.items() if not ok)
    return Plan(tuple(inboxes), refused)


Activity = Mapping[str, Any] | Callable[[], Awaitable[Mapping[str, Any]]]


async def send(queue: DeliveryQueue, gate: PeerGate, activity: Activity, signer_account_id: int,
               audience: Audience) -> Plan:
    """Plan the delivery of `activity` and queue it; the plan says where and who not.

    `activity` may be a coroutine function that builds it: then it is built
    only when some permitted inbox will receive it (most local posts have
    no remote audience, and building a Note costs queries)."""
    plan = await plan_delivery(queue.db, gate, audience)
    for host, reason in plan.refused:
        logger.info("activity of account %s not sent to %s: %s", signer_account_id, host, reason)
    if plan.inboxes:
        built = activity if isinstance(activity, Mapping) else await activity()
        await queue.enqueue(built, plan.inboxes, signer_account_id)
    return plan
