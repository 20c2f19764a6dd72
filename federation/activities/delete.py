"""Delete of a status (soft delete) or of the actor (its statuses go, the account is hidden).

A Delete of the actor whose id is the actor's id + `#delete` (Mastodon's
DeleteActorSerializer, and `account_deletion_out` here) is an account
deleted for good: its follows either way go too and it answers 404 here
as on its node. Other Deletes of the actor (a suspension, which this
node's peers send with a numbered id) only hide it, until an Update.
"""

from __future__ import annotations

from federation.account_deletion_out import deletion_id
from federation.activities.common import Dropped, Inbound, object_id
from federation.context import Federation
from federation.moderation_in import actor_deleted
from federation.quotes_in import stamp_revoked
from storage import account_deletions, account_purge, clock, remote


async def process(fed: Federation, inbound: Inbound) -> None:
    target = object_id(inbound.object)
    actor = inbound.actor
    if target == actor.uri:
        async with fed.db.write() as w:
            await remote.soft_delete_account_statuses(w, actor.id)
            if inbound.id == deletion_id(actor.uri) and await account_deletions.mark_remote_deleted(
                    w, actor.id, clock.now()):
                await account_purge.end_follows(w, actor.id)
        await actor_deleted(fed, actor, inbound.id)  # the account is hidden too
        return
    if await stamp_revoked(fed, inbound):  # a QuoteAuthorization withdrawn
        return
    status = await remote.find_status_by_uri(fed.db, target)
    if status is None:
        return  # deleted before it arrived: nothing to do
    if status.account_id != actor.id:
        raise Dropped("Delete of another account's status")
    async with fed.db.write() as w:
        await remote.soft_delete_status(w, status)
    fed.stream().status_deleted(status)
