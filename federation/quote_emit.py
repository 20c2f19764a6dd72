"""Quote activities this node sends after a local action commits
(through `emit.after_commit`, so nothing while federation is off)."""

from __future__ import annotations

from federation import quotes as docs
from federation.emit import NOTHING, Emitter, _build_note, _local
from federation.outbox import Audience, Plan, send
from federation.vocab import _without_context
from storage import quotes, statuses


async def quote_requested(em: Emitter, status_id: int) -> Plan:
    """A QuoteRequest to the quoted author's node, the quoting Note as its instrument."""
    status = await statuses.get_status(em.db, status_id)
    quote = await quotes.quote_of_status(em.db, status_id)
    author = await _local(em, status.account_id) if status else None
    if (status is None or author is None or not status.published or quote is None or quote.state != "pending"
            or not quote.activity_uri or quote.quoted_account_id is None):
        return NOTHING
    mentions = (await statuses.mentions_of(em.db, [status.id])).get(status.id, [])
    note = _without_context(await _build_note(em, status, author, mentions))
    activity = docs.quote_request(quote.activity_uri, author.uri, quote.quoted_uri, note)
    return await send(em.queue, em.gate, activity, author.id, Audience().plus(quote.quoted_account_id))


async def quote_revoked(em: Emitter, quote_id: int) -> Plan:
    """Delete of the stamp, to the quoting author and the quoted author's followers."""
    quote = await quotes.get_quote(em.db, quote_id)
    author = await _local(em, quote.quoted_account_id) if quote and quote.quoted_account_id else None
    if quote is None or author is None or not quote.approval_uri:
        return NOTHING
    audience = Audience(author.id).plus(quote.account_id)  # plus() of a local account sends nothing
    return await send(em.queue, em.gate, docs.stamp_deleted(author.uri, quote.approval_uri), author.id, audience)
