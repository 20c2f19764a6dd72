"""Block of a local account: follows end both ways, the block is kept."""

from __future__ import annotations

from federation.activities.common import Inbound, local_account, object_id
from federation.context import Federation
from storage import relationships


async def process(fed: Federation, inbound: Inbound) -> None:
    target = await local_account(fed, object_id(inbound.object))
    await relationships.block(fed.db, fed.ids, inbound.actor.id, target.id)
