"""Moderation that leaves the node: forwarded reports, suspensions of local accounts.

Called through `emit.after_commit` once the moderation change is stored
(nothing while federation is off; a failure is logged, never the
moderator's error). Every delivery goes through the outbox, so only
permitted peers receive anything, and the durable queue retries it.

- A report about a remote account, forwarded (`forward=true`, or later by
  a moderator): a `Flag` from the instance actor (Mastodon's
  FlagSerializer: object = the actor then the reported statuses, content =
  the comment; the reporter is never named) to that account's node.
- A local account suspended: `Delete` of the actor (Mastodon's
  DeleteActorSerializer: actor = object = the account, to Public), signed
  with the account's own key, to every peer that may hold a copy: its
  followers' nodes and those of the remote accounts it dealt with
  (`storage.account_reach`). The id carries a fresh number, so a second
  suspension is neither merged into the first by the delivery queue nor
  deduplicated by the peers' inboxes.
- Lifted: `Update` of the actor, as Mastodon's UnsuspendAccountService
  does, to the same peers.

Sanctions of remote accounts are local decisions and send nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from federation import vocab
from federation.emit import NOTHING, Emitter
from federation.instance_actor import INSTANCE_SIGNER, instance_actor_url
from federation.local_actor import local_actor_document
from federation.outbox import Audience, Plan, send
from storage import account_reach, accounts, clock, reports, statuses
from storage.accounts import AccountRow
from storage.database import Writer

logger = logging.getLogger(__name__)


Recorder = Callable[[Writer, Plan], Awaitable[None]]


async def report_forwarded(em: Emitter, report_id: int, record: Recorder | None = None,
                           domains: Sequence[str] = ()) -> Plan:
    """Send a report about a remote account to its node as a Flag; the plan
    is empty when the account is local or its node is not permitted.
    `domains` (Mastodon's `forward_to_domains`) adds the nodes of accounts
    the reported statuses replied to, those only. `record` runs in the
    transaction that marks the report forwarded (the node's audit record)."""
    report = await reports.get_report(em.db, report_id)
    target = await accounts.get_account(em.db, report.target_account_id) if report else None
    if report is None or target is None or target.local:
        return NOTHING
    found = [s for s in await statuses.get_statuses(em.db, report.status_id_list) if s.account_id == target.id]
    objects = [target.uri, *[s.uri for s in found]]
    activity = vocab.flag_activity(instance_actor_url(em.urls.base_url), objects, report.comment,
                                   em.ids.next_id())
    audience = Audience().plus(target.id, *await _replied_to(em, found, domains))
    plan = await send(em.queue, em.gate, activity, INSTANCE_SIGNER, audience)
    if plan.inboxes:
        async with em.db.write() as w:
            await reports.set_forwarded(w, report.id, activity["id"])
            if record is not None:
                await record(w, plan)
        logger.info("report %s forwarded to %s", report.id, ", ".join(plan.inboxes))
    return plan


async def _replied_to(em: Emitter, found: Sequence[statuses.StatusRow], domains: Sequence[str]) -> list[int]:
    """Remote accounts on `domains` that the reported statuses replied to."""
    wanted = {d.lower() for d in domains}
    ids = [s.in_reply_to_account_id for s in found if s.in_reply_to_account_id]
    replied = [await accounts.get_account(em.db, i) for i in dict.fromkeys(ids)]
    return [a.id for a in replied if a is not None and not a.local and (a.domain or "").lower() in wanted]


async def reach(em: Emitter, account_id: int) -> Audience:
    """The account's followers and every remote account it dealt with."""
    return Audience(account_id).plus(*await account_reach.interacted_remote_accounts(em.db, account_id))


async def _local(em: Emitter, account_id: int) -> AccountRow | None:
    account = await accounts.get_account(em.db, account_id)
    return account if account is not None and account.local else None


def delete_actor_activity(account: AccountRow, number: int) -> dict[str, Any]:
    activity = vocab.delete_activity(account.uri, account.uri)
    return {**activity, "id": f"{account.uri}#delete/{number}"}


async def account_suspended(em: Emitter, account_id: int) -> Plan:
    """Delete of a local account that is suspended now; nothing for a remote one."""
    account = await _local(em, account_id)
    if account is None or not account.suspended_at:
        return NOTHING
    activity = delete_actor_activity(account, em.ids.next_id())
    return await send(em.queue, em.gate, activity, account.id, await reach(em, account.id))


async def account_unsuspended(em: Emitter, account_id: int) -> Plan:
    """Update of a local account whose suspension was lifted (none while still suspended)."""
    account = await _local(em, account_id)
    if account is None or account.suspended_at:
        return NOTHING
    document = await local_actor_document(em.db, em.urls, account)
    activity = vocab.update_actor_activity(document, clock.iso(clock.now()))
    return await send(em.queue, em.gate, activity, account.id, await reach(em, account.id))
