"""Update of a Note by its author (an edit), or of the actor itself (profile)."""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound, object_id, object_type
from federation.actors import parse_actor, store_actor
from federation.context import Federation
from federation.notes import NOTE_TYPES, update_note


async def process(fed: Federation, inbound: Inbound) -> None:
    obj = inbound.object
    if not isinstance(obj, dict):
        raise Dropped("Update without an embedded object")
    if object_type(obj) in NOTE_TYPES:
        await update_note(fed, inbound.actor, obj)
        return
    if object_id(obj) == inbound.actor.uri:
        await store_actor(fed, parse_actor(obj))
        return
    raise Dropped(f"Update of {object_type(obj) or 'an unknown type'}")
