"""Background work for moderation: sanctions that end by themselves.

Every minute the node lifts sanctions past their `expires_at` (an audited
`sanction.expire` by "system"); an ended suspension of a local account is
federated as an Update of the actor. Several processes may run the sweep; the
row update that closes a sanction decides which one records it.
"""

from __future__ import annotations

import logging

from aiohttp import web

from federation import moderation_out
from federation.emit import after_commit
from node.keys import DB
from node.periodic import periodic
from policy.sanctions import lift_expired

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0


async def federate_expiry(app: web.Application, account_id: int, action: str) -> None:
    """A suspension that ran out reaches the peers as an Update of the actor."""
    if action == "suspend":
        await after_commit(app, moderation_out.account_unsuspended, account_id)


async def lift_expired_sanctions(app: web.Application) -> None:
    lifted = await lift_expired(app[DB], on_lift=lambda account_id, action: federate_expiry(
        app, account_id, action))
    if lifted:
        logger.info("lifted %d expired sanction(s)", lifted)


moderation_context = periodic("sanction expiry", SWEEP_SECONDS, lift_expired_sanctions)
