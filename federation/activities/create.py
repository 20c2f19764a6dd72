"""Create of a Note (Question and Article read as Notes): screened, then
stored, a Question with its poll; or a vote on one of our polls, counted."""

from __future__ import annotations

from federation.activities.common import Dropped, Inbound
from federation.context import Federation
from federation.notes import store_note
from federation.polls import NotCounted, store_question, take_vote
from federation.quotes_in import store_quote


async def process(fed: Federation, inbound: Inbound) -> None:
    if not isinstance(inbound.object, dict):
        raise Dropped("Create without an embedded object")
    try:
        if await take_vote(fed, inbound.actor, inbound.object):
            return
    except NotCounted as exc:
        raise Dropped(str(exc)) from None
    row = await store_note(fed, inbound.actor, inbound.object)
    await store_question(fed, row, inbound.object)
    await store_quote(fed, row, inbound.object, fetch=True)  # FEP-044f, permitted hosts only
