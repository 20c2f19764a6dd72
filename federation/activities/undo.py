"""Undo of the actor's own Follow, Like, Announce or Block."""

from __future__ import annotations

from federation.activities.common import (
    Dropped,
    Inbound,
    local_account,
    object_id,
    object_type,
)
from federation.context import Federation
from storage import interactions, relationships, remote, status_writes


async def _undo_follow(fed: Federation, inbound: Inbound) -> None:
    target = await local_account(fed, object_id(inbound.object.get("object")))
    await relationships.unfollow(fed.db, inbound.actor.id, target.id)


async def _undo_like(fed: Federation, inbound: Inbound) -> None:
    status = await remote.find_status_by_uri(fed.db, object_id(inbound.object.get("object")))
    if status is None:
        raise Dropped("unknown status")
    async with fed.db.write() as w:
        await interactions.unfavourite(w, inbound.actor.id, status.id)


async def _undo_announce(fed: Federation, inbound: Inbound) -> None:
    reblog = await remote.find_status_by_uri(fed.db, object_id(inbound.object))
    if reblog is None or reblog.account_id != inbound.actor.id or reblog.reblog_of_id is None:
        raise Dropped("no such boost by this actor")
    async with fed.db.write() as w:
        await status_writes.delete_status(w, reblog)
    fed.stream().status_deleted(reblog)


async def _undo_block(fed: Federation, inbound: Inbound) -> None:
    target = await local_account(fed, object_id(inbound.object.get("object")))
    await relationships.unblock(fed.db, inbound.actor.id, target.id)


UNDOERS = {"Follow": _undo_follow, "Like": _undo_like, "Announce": _undo_announce, "Block": _undo_block}


async def process(fed: Federation, inbound: Inbound) -> None:
    obj = inbound.object
    undo = UNDOERS.get(object_type(obj))
    if undo is None or not isinstance(obj, dict):
        raise Dropped("Undo of an unsupported or unembedded activity")
    if object_id(obj.get("actor")) != inbound.actor.uri:
        raise Dropped("Undo of another actor's activity")
    await undo(fed, inbound)
