"""Create of a Note (Question and Article read as Notes): screened, then stored."""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound
from federation.context import Federation
from federation.notes import store_note


async def process(fed: Federation, inbound: Inbound) -> None:
    if not isinstance(inbound.object, dict):
        raise Dropped("Create without an embedded object")
    await store_note(fed, inbound.actor, inbound.object)
