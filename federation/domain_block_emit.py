"""What a user's domain block sends, after it has committed (through
`federation.emit.after_commit`), as Mastodon's
AfterBlockDomainFromAccountService: an Undo of each of the user's Follows
of the domain's accounts (UnfollowService), and a Reject of each of their
Follows of the user, accepted or pending. Each names the Follow by the id
recorded when it was sent or received, so the peer finds its own row.
"""

from __future__ import annotations

from typing import Any

from federation import vocab
from federation.emit import NOTHING, Emitter
from federation.outbox import Audience, Plan, send
from storage import accounts
from storage.domain_blocks import DomainBlockResult, SeveredFollow


def _follow(em: Emitter, severed: SeveredFollow, follower_uri: str, target_uri: str) -> dict[str, Any]:
    if severed.uri:
        return {"id": severed.uri, "type": "Follow", "actor": follower_uri, "object": target_uri}
    return vocab.follow_activity(follower_uri, target_uri, em.ids.next_id())


async def domain_blocked(em: Emitter, account_id: int, result: DomainBlockResult) -> Plan:
    me = await accounts.get_account(em.db, account_id)
    if me is None or not me.local:
        return NOTHING
    others = await accounts.get_accounts(
        em.db, [f.target_id for f in result.unfollowed] + [f.account_id for f in result.rejected])
    plan = NOTHING
    for severed in result.unfollowed:
        target = others.get(severed.target_id)
        if target is not None and not target.local:
            undo = vocab.undo_activity(me.uri, _follow(em, severed, me.uri, target.uri))
            plan = await send(em.queue, em.gate, undo, me.id, Audience().plus(target.id))
    for severed in result.rejected:
        follower = others.get(severed.account_id)
        if follower is not None and not follower.local:
            reject = vocab.reject_activity(me.uri, _follow(em, severed, follower.uri, me.uri), em.ids.next_id())
            plan = await send(em.queue, em.gate, reject, me.id, Audience().plus(follower.id))
    return plan
