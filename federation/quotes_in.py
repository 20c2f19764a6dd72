"""Inbound quotes (FEP-044f, as Mastodon 4.5): a Note's `quote`, the
answers to our QuoteRequests, and the revocation of a stamp.

Article 7(6): the quoted status is looked up here first; it is fetched
only when the caller allows it and the permit gate permits its host, so
a quote never makes this node contact a host without a permit (the quote
is then not stored). A stamp is believed only as its own host serves it
(fetched, signed, from a permitted host), and only when it names both
statuses and the quoted author, as Mastodon's VerifyQuoteService checks.
"""

from __future__ import annotations

import logging
from typing import Any

from federation.activities.common import Dropped, Inbound, object_id
from federation.context import Federation
from federation.emit import Emitter, status_edited
from federation.fetch import FetchError
from federation.quotes import policy_of_note
from federation import resolve  # the module: resolve imports the activities package
from policy.links import url_host
from policy.permits import PermitError
from storage import accounts, quotes, remote, statuses
from storage.quotes import NewQuote
from storage.statuses import StatusRow

logger = logging.getLogger(__name__)

QUOTE_KEYS = ("quote", "quoteUrl", "quoteUri", "_misskey_quote")


def quoted_uri_of(obj: dict[str, Any]) -> str:
    for key in QUOTE_KEYS:
        value = object_id(obj.get(key))
        if value:
            return value
    return ""


async def _quoted_status(fed: Federation, uri: str, *, fetch: bool) -> StatusRow | None:
    found = await remote.find_status_by_uri(fed.db, uri)
    if found is None and fetch:
        try:
            host = url_host(uri)
        except PermitError:
            return None
        decision = await fed.gate.check(host)
        if not decision.permitted:  # article 7(6): not even a fetch
            logger.info("quote of %s left out: %s", uri, decision.message)
            return None
        fetched = await resolve.resolve_url(fed, uri)
        found = fetched if isinstance(fetched, StatusRow) else None
    return found if found is not None and found.reblog_of_id is None else None


async def verify_stamp(fed: Federation, stamp: str, quoting_uri: str, quoted_uri: str, quoted_author_uri: str) -> bool:
    """The QuoteAuthorization at `stamp`, served by the quoted author's host,
    authorises exactly this quote."""
    try:
        if url_host(stamp) != url_host(quoted_author_uri):
            return False
        doc = await resolve.fetch_object(fed, stamp)
    except (PermitError, FetchError, Dropped) as exc:
        logger.info("stamp %s not verified: %s", stamp, exc)
        return False
    return (doc.get("type") == "QuoteAuthorization" and object_id(doc.get("interactingObject")) == quoting_uri
            and object_id(doc.get("interactionTarget")) == quoted_uri
            and object_id(doc.get("attributedTo")) == quoted_author_uri)


async def _initial_state(fed: Federation, row: StatusRow, quoted: StatusRow, obj: dict[str, Any]) -> tuple[str, str | None]:
    if quoted.account_id == row.account_id:
        return "accepted", None  # quoting oneself needs nobody's leave
    stamp = object_id(obj.get("quoteAuthorization"))
    author = await accounts.get_account(fed.db, quoted.account_id)
    if stamp and author is not None and not author.local and await verify_stamp(fed, stamp, row.uri, quoted.uri,
                                                                                  author.uri):
        return "accepted", stamp
    return "pending", None  # a local quoted author answers the QuoteRequest


async def store_quote(fed: Federation, row: StatusRow | None, obj: Any, *, fetch: bool) -> None:
    """Record a remote status's quote policy and what it quotes, if anything.
    `fetch`: the quoted status may be fetched (from a permitted host)."""
    if row is None or not isinstance(obj, dict):
        return
    author = await accounts.get_account(fed.db, row.account_id)
    if author is not None:
        async with fed.db.write() as w:
            await quotes.set_policy(w, row.id, policy_of_note(obj, author))
    uri = quoted_uri_of(obj)
    if not uri or await quotes.quote_of_status(fed.db, row.id) is not None:
        return
    quoted = await _quoted_status(fed, uri, fetch=fetch)
    if quoted is None:
        return
    state, stamp = await _initial_state(fed, row, quoted, obj)
    async with fed.db.write() as w:
        await quotes.insert_quote(w, NewQuote(
            id=fed.ids.next_id(), status_id=row.id, account_id=row.account_id, quoted_status_id=quoted.id,
            quoted_account_id=quoted.account_id, quoted_uri=quoted.uri, state=state, approval_uri=stamp))


async def _send_update(fed: Federation, status_id: int) -> None:
    """Our quoting status, now authorised: an Update so peers see its stamp."""
    queue = fed.delivery()
    if queue is not None:
        await status_edited(Emitter(fed.db, fed.ids, fed.urls, queue, fed.gate), status_id)  # type: ignore[arg-type]


async def quote_answered(fed: Federation, inbound: Inbound, *, accepted: bool) -> bool:
    """Accept or Reject of one of our QuoteRequests; False when it answers something else."""
    request_id = object_id(inbound.object)
    quote = await quotes.quote_by_activity(fed.db, request_id) if request_id else None
    if quote is None:
        return False
    if quote.quoted_account_id != inbound.actor.id:
        raise Dropped("an answer to a QuoteRequest from another account")
    if not accepted:
        await quotes.set_state(fed.db, quote.id, "revoked" if quote.state == "accepted" else "rejected")
        return True
    stamp = object_id(inbound.activity.get("result"))
    quoting = await statuses.get_status(fed.db, quote.status_id)
    if quoting is None or not stamp or not await verify_stamp(fed, stamp, quoting.uri, quote.quoted_uri,
                                                              inbound.actor.uri):
        raise Dropped("the Accept's stamp does not authorise this quote")
    await quotes.set_state(fed.db, quote.id, "accepted", approval_uri=stamp)
    await _send_update(fed, quote.status_id)
    return True


async def stamp_revoked(fed: Federation, inbound: Inbound) -> bool:
    """Delete of a stamp: the quote is revoked; False when the Delete is of something else."""
    quote = await quotes.quote_by_approval(fed.db, object_id(inbound.object))
    if quote is None:
        return False
    if quote.quoted_account_id != inbound.actor.id:
        raise Dropped("Delete of another account's stamp")
    await quotes.set_state(fed.db, quote.id, "revoked")
    return True
