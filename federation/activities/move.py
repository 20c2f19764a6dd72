"""Move of the actor to a new account that lists it in alsoKnownAs.

The target must be on a permitted peer or be a local account, and must
name the old account in `alsoKnownAs` now (fetched again, or a local
account's aliases); otherwise the Move is dropped with the reason (a
target that could not be fetched is tried again later). Then
the old account points at the new one and every local follower of the
old account follows the new one instead (`federation.moving`)."""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound, object_id
from federation.actors import ActorError
from federation.context import Federation
from federation.moving import MoveError, checked_target, emitter_for, redirect_followers
from storage import remote


async def process(fed: Federation, inbound: Inbound) -> None:
    old = inbound.actor
    target_uri = object_id(inbound.activity.get("target"))
    if object_id(inbound.object) != old.uri or not target_uri or target_uri == old.uri:
        raise Dropped("Move of another actor, or without a target")
    try:
        new = await checked_target(fed.db, fed, fed.settings.domain, old, target_uri)
    except MoveError as exc:
        if exc.reason == "unreachable":  # tried again later, with the inbox's back-off
            raise ActorError("fetch_failed", exc.detail) from None
        raise Dropped(f"Move to {target_uri} refused: {exc}") from None
    await remote.set_moved_to(fed.db, old.id, new.id)
    await redirect_followers(fed.db, fed.ids, emitter_for(fed), old, new)
