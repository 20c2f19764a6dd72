"""Follow of a local account: a request (locked) or a follow answered with Accept."""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound, local_account, object_id
from federation.context import Federation
from federation.outgoing import deliver_accept, deliver_reject
from storage import domain_blocks, relationships, remote
from storage.relationships import FollowOptions


async def process(fed: Federation, inbound: Inbound) -> None:
    target = await local_account(fed, object_id(inbound.object))
    follower = inbound.actor
    if await relationships.blocked_either_way(fed.db, follower.id, target.id):
        await deliver_reject(fed, target, inbound.activity, follower)
        raise Dropped("blocked")
    if await domain_blocks.blocks_domain(fed.db, target.id, follower.domain):  # as Mastodon: Reject
        await deliver_reject(fed, target, inbound.activity, follower)
        raise Dropped("the target blocks the follower's domain")
    state = await relationships.follow(fed.db, fed.ids, follower.id, target.id, FollowOptions(),
                                       as_request=bool(target.locked))
    async with fed.db.write() as w:
        await remote.set_follow_uri(w, follower.id, target.id, inbound.id)
    if state == "following":
        await deliver_accept(fed, target, inbound.activity, follower)
