"""Suspensions decided by a peer about its own accounts.

A Mastodon-class node suspending one of its accounts sends `Delete` of the
actor (and a current Mastodon an `Update` whose actor says `suspended:
true`); lifting it sends an `Update` of the actor. Here the first hides
the account (`suspended_at`, recorded as the origin's doing in
`origin_suspensions`) after its statuses were deleted; the second shows
it again. Its statuses stay deleted, as on Mastodon (whose Delete purges
the account, and whose Update brings back an empty one). Unlike Mastodon,
follows are kept, so local followers follow it again at once. A
suspension by this node's own moderators is never lifted by the peer.
"""

from __future__ import annotations

import logging
from typing import Any

from federation.context import Federation
from storage import origin_suspensions
from storage.accounts import AccountRow

logger = logging.getLogger(__name__)


async def actor_deleted(fed: Federation, actor: AccountRow, activity_id: str) -> None:
    async with fed.db.write() as w:
        hidden = await origin_suspensions.mark(w, actor.id, activity_id)
    if hidden:
        logger.info("%s deleted by its origin: hidden", actor.uri)


async def actor_updated(fed: Federation, actor: AccountRow, document: dict[str, Any], activity_id: str) -> None:
    """After an Update of the actor was stored: follow its `suspended` flag."""
    if document.get("suspended") is True:
        await actor_deleted(fed, actor, activity_id)
        return
    async with fed.db.write() as w:
        shown = await origin_suspensions.lift(w, actor.id)
    if shown:
        logger.info("%s restored by its origin", actor.uri)
