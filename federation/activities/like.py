"""Like of a local status: a favourite and its notification."""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound, object_id
from federation.context import Federation
from storage import interactions, remote


async def process(fed: Federation, inbound: Inbound) -> None:
    status = await remote.find_status_by_uri(fed.db, object_id(inbound.object))
    if status is None or not status.local or not status.published or status.visibility == "direct":
        raise Dropped("Like of no local status it may see")
    async with fed.db.write() as w:
        await interactions.favourite(w, fed.ids, inbound.actor.id, status)
