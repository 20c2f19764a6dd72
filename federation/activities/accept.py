"""Accept and Reject of a Follow this node sent: the request becomes a follow,
or ends; or of a QuoteRequest it sent (federation/quotes_in.py)."""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound, object_id, object_type
from federation.context import Federation
from federation.quotes_in import quote_answered
from storage import relationships, remote


async def _our_follow(fed: Federation, inbound: Inbound) -> tuple[int, int]:
    """(local follower id, remote target id) of the Follow being answered."""
    obj = inbound.object
    if object_type(obj) not in ("", "Follow"):
        raise Dropped("not an answer to a Follow")
    found = await remote.find_follow_by_uri(fed.db, object_id(obj)) if object_id(obj) else None
    if found is None or found[2] != inbound.actor.id:
        raise Dropped("no Follow of ours to this actor with that id")
    return found[1], found[2]


async def process_accept(fed: Federation, inbound: Inbound) -> None:
    if await quote_answered(fed, inbound, accepted=True):
        return
    follower_id, target_id = await _our_follow(fed, inbound)
    await relationships.authorize_request(fed.db, fed.ids, target_id, follower_id)


async def process_reject(fed: Federation, inbound: Inbound) -> None:
    if await quote_answered(fed, inbound, accepted=False):
        return
    follower_id, target_id = await _our_follow(fed, inbound)
    await relationships.unfollow(fed.db, follower_id, target_id)
