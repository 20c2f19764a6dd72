"""Update of a Note by its author (an edit; for a Question that only moves
its counts, the poll alone), or of the actor itself (profile)."""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound, object_id, object_type
from federation.actors import store_actor_document
from federation.context import Federation
from federation.moderation_in import actor_updated
from federation.notes import NOTE_TYPES, update_note
from federation.polls import counts_only_update, store_question
from federation.quotes_in import store_quote
from storage import remote


async def process(fed: Federation, inbound: Inbound) -> None:
    obj = inbound.object
    if not isinstance(obj, dict):
        raise Dropped("Update without an embedded object")
    if object_type(obj) in NOTE_TYPES:
        if await counts_only_update(fed, inbound.actor, obj):
            return
        await update_note(fed, inbound.actor, obj)
        row = await remote.find_status_by_uri(fed.db, object_id(obj))
        await store_question(fed, row, obj)
        await store_quote(fed, row, obj, fetch=True)
        return
    if object_id(obj) == inbound.actor.uri:
        account = await store_actor_document(fed, obj)
        await actor_updated(fed, account, obj, inbound.id)  # an origin's (un)suspension
        return
    raise Dropped(f"Update of {object_type(obj) or 'an unknown type'}")
