"""Move of the actor to a new account that lists it in alsoKnownAs."""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound, object_id
from federation.actors import fetch_actor_document, store_actor_document
from federation.context import Federation
from storage import remote


async def process(fed: Federation, inbound: Inbound) -> None:
    old = inbound.actor
    target_uri = object_id(inbound.activity.get("target"))
    if object_id(inbound.object) != old.uri or not target_uri or target_uri == old.uri:
        raise Dropped("Move of another actor, or without a target")
    document = await fetch_actor_document(fed, target_uri)
    aliases = document.get("alsoKnownAs")
    aliases = aliases if isinstance(aliases, list) else [aliases]
    if old.uri not in [object_id(a) for a in aliases]:
        raise Dropped("the target does not name the old account in alsoKnownAs")
    new = await store_actor_document(fed, document)
    await remote.set_moved_to(fed.db, old.id, new.id)
