"""A deleted local account's `Delete` of itself, to every peer that may hold a copy.

Mastodon's DeleteAccountService sends the DeleteActorSerializer's activity
(id = the actor's id + `#delete`, actor = object = the account, to Public)
to every inbox it knows; here to the shared inboxes of permitted peers
this account has a relation with: its followers' nodes, the nodes of the
remote accounts it dealt with (`storage.account_reach`, as a suspension
reaches them) and the inboxes it delivered to before. Built before its
relations are removed, signed by its own key, which the deletion queue
keeps until these deliveries are finished.

The fixed `#delete` id is also what tells a peer of this kind that the
account is gone for good (`federation.activities.delete`), where a
suspension's Delete carries a number (`moderation_out`) and is undone by
a later Update.
"""

from __future__ import annotations

from federation import vocab
from federation.delivery import inbox_host
from federation.emit import NOTHING, Emitter
from federation.moderation_out import reach
from federation.outbox import Plan, plan_delivery
from policy.permits import PermitError
from storage import account_deletions, accounts


def deletion_id(actor_uri: str) -> str:
    return f"{actor_uri}#delete"


async def _earlier_inboxes(em: Emitter, account_id: int, planned: tuple[str, ...]) -> list[str]:
    """Inboxes it delivered to that the plan lacks, on hosts permitted now."""
    extra: list[str] = []
    for inbox in await account_deletions.delivered_inboxes(em.db, account_id):
        if inbox in planned:
            continue
        try:
            permitted = (await em.gate.check(inbox_host(inbox))).permitted
        except PermitError:
            continue
        if permitted:
            extra.append(inbox)
    return extra


async def account_deleted(em: Emitter, account_id: int) -> Plan:
    """Queue the Delete of a deleted local account; nothing for any other."""
    account = await accounts.get_account(em.db, account_id)
    if account is None or not account.local or account.deleted_at is None:
        return NOTHING
    plan = await plan_delivery(em.db, em.gate, await reach(em, account.id))
    inboxes = (*plan.inboxes, *await _earlier_inboxes(em, account.id, plan.inboxes))
    if inboxes:
        activity = {**vocab.delete_activity(account.uri, account.uri), "id": deletion_id(account.uri)}
        await em.queue.enqueue(activity, inboxes, account.id)
    return Plan(inboxes, plan.refused)
