"""QuoteRequest of a local status (FEP-044f, as Mastodon 4.5): the quoted
author's policy decides at once (policy/quotes.py); an authorised quote
gets a stamp (served at its `approval_uri`), an Accept naming it and a
`quote` notification; any other gets a Reject."""

from __future__ import annotations

from typing import Any

from federation import quotes as docs
from federation import resolve  # the module: resolve imports this package
from federation.activities.common import Dropped, Inbound, object_id
from federation.context import Federation
from federation.notes import store_note
from federation.outgoing import send_activity
from federation.quotes_in import store_quote
from policy.links import url_host
from policy.quotes import effective_policy, may_quote
from storage import accounts, quotes, remote, status_writes
from storage.quotes import NewQuote, QuoteRow
from storage.statuses import StatusRow


async def _instrument(fed: Federation, inbound: Inbound) -> tuple[StatusRow, dict[str, Any]]:
    """The quoting status (stored, or stored now from the inline Note or a
    fetch of its id), which must be the requester's, on its host."""
    value = inbound.activity.get("instrument")
    uri = object_id(value)
    if not uri or url_host(uri) != url_host(inbound.actor.uri):
        raise Dropped("a QuoteRequest whose instrument is not the requester's")
    row = await remote.find_status_by_uri(fed.db, uri)
    if row is None and isinstance(value, dict):
        row = await store_note(fed, inbound.actor, value, solicited=True)
    if row is None:
        fetched = await resolve.resolve_url(fed, uri)
        row = fetched if isinstance(fetched, StatusRow) else None
    if row is None or row.account_id != inbound.actor.id:
        raise Dropped("the quoting status is not the requester's")
    return row, value if isinstance(value, dict) else {}


async def _quote_row(fed: Federation, quoting: StatusRow, quoted: StatusRow, note: dict[str, Any]) -> QuoteRow:
    await store_quote(fed, quoting, note, fetch=False)
    found = await quotes.quote_of_status(fed.db, quoting.id)
    if found is not None and found.quoted_status_id != quoted.id:
        raise Dropped("the quoting status quotes another status")
    if found is None:
        async with fed.db.write() as w:
            await quotes.insert_quote(w, NewQuote(
                id=fed.ids.next_id(), status_id=quoting.id, account_id=quoting.account_id,
                quoted_status_id=quoted.id, quoted_account_id=quoted.account_id, quoted_uri=quoted.uri,
                state="pending"))
        found = await quotes.quote_of_status(fed.db, quoting.id)
    assert found is not None
    return found


async def process(fed: Federation, inbound: Inbound) -> None:
    quoted = await remote.find_status_by_uri(fed.db, object_id(inbound.object))
    author = await accounts.get_account(fed.db, quoted.account_id) if quoted else None
    if quoted is None or author is None or not author.local or not quoted.published or quoted.reblog_of_id:
        raise Dropped("a QuoteRequest for no status of ours")
    quoting, note = await _instrument(fed, inbound)
    quote = await _quote_row(fed, quoting, quoted, note)
    policy = effective_policy((await quotes.policies_of(fed.db, [quoted.id])).get(quoted.id), local=True)
    answer = may_quote(policy, quoted.visibility, is_author=quoting.account_id == author.id,
                       follows_author=await quotes.follows(fed.db, inbound.actor.id, author.id))
    if answer != "automatic" or quote.state in ("rejected", "revoked"):
        await quotes.set_state(fed.db, quote.id, "rejected", activity_uri=inbound.id)
        await send_activity(fed, docs.answer("Reject", author.uri, inbound.activity, quote.id, None), author,
                            inbound.actor)
        return
    stamp = docs.stamp_uri(author.uri, quote.id)
    async with fed.db.write() as w:
        await quotes.set_state(w, quote.id, "accepted", approval_uri=stamp, activity_uri=inbound.id)
        if quoting.published and quote.state != "accepted":
            await status_writes.notify_about(w, fed.ids, author.id, inbound.actor.id, "quote", quoting)
    await send_activity(fed, docs.answer("Accept", author.uri, inbound.activity, quote.id, stamp), author,
                        inbound.actor)
