"""Quote posts in ActivityPub, as Mastodon 4.5 sends them (FEP-044f).

A quoting Note carries `quote` (with `quoteUri` and `_misskey_quote` for
older readers) and, once the quoted author agreed, `quoteAuthorization`:
the id of a `QuoteAuthorization` stamp that the quoted author's node
serves. Every Note says who may quote it in `interactionPolicy.canQuote`.
The quoting node asks with a `QuoteRequest` (the Note as `instrument`);
the quoted node answers `Accept` (its `result` the stamp) or `Reject`,
and revokes by a `Delete` of the stamp. Pure builders here; inbound is
federation/quotes_in.py, outbound sending federation/quote_emit.py.
"""

from __future__ import annotations

import uuid
from typing import Any

from federation.vocab import PUBLIC, with_context
from policy.quotes import UNKNOWN, effective_policy
from storage import quotes
from storage.accounts import AccountRow
from storage.database import Database
from storage.quotes import QuoteRow
from storage.statuses import StatusRow


def stamp_uri(quoted_author_uri: str, quote_id: int) -> str:
    """Where the quoted author's node serves the stamp of one quote."""
    return f"{quoted_author_uri}/quote_authorizations/{quote_id}"


def request_uri(author_uri: str) -> str:
    return f"{author_uri}/quote_requests/{uuid.uuid4()}"


def quote_authorization(stamp: str, quoted_author_uri: str, quoting_uri: str, quoted_uri: str) -> dict[str, Any]:
    return with_context({"id": stamp, "type": "QuoteAuthorization", "attributedTo": quoted_author_uri,
                         "interactingObject": quoting_uri, "interactionTarget": quoted_uri})


def quote_request(request_id: str, actor: str, quoted_uri: str, instrument: dict[str, Any] | str) -> dict[str, Any]:
    return with_context({"id": request_id, "type": "QuoteRequest", "actor": actor, "object": quoted_uri,
                         "instrument": instrument})


def answer(kind: str, actor: str, request: dict[str, Any], quote_id: int, stamp: str | None) -> dict[str, Any]:
    """Accept (with the stamp as `result`) or Reject of a QuoteRequest."""
    inner = {k: v for k, v in request.items() if k in ("id", "type", "actor", "object")}
    inner["instrument"] = _id(request.get("instrument"))
    body: dict[str, Any] = {"id": f"{actor}#{kind.lower()}s/quote_requests/{quote_id}", "type": kind,
                            "actor": actor, "object": inner}
    if stamp:
        body["result"] = stamp
    return with_context(body)


def stamp_deleted(actor: str, stamp: str) -> dict[str, Any]:
    """Revocation: Delete of the stamp."""
    return with_context({"id": f"{stamp}#delete", "type": "Delete", "actor": actor, "object": stamp,
                         "to": [PUBLIC]})


def _id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def can_quote(policy: str, author: AccountRow) -> dict[str, list[str]]:
    """`interactionPolicy.canQuote` of a local status."""
    if policy == "public":
        automatic = [PUBLIC]
    elif policy == "followers":
        automatic = [author.followers_url]
    else:
        automatic = [author.uri]  # the author alone
    return {"automaticApproval": automatic, "manualApproval": []}


def policy_of_note(obj: dict[str, Any], author: AccountRow) -> str:
    """A remote Note's canQuote read as public, followers, nobody or unknown."""
    policy = obj.get("interactionPolicy")
    rule = policy.get("canQuote") if isinstance(policy, dict) else None
    if not isinstance(rule, dict):
        return UNKNOWN
    approved = rule.get("automaticApproval")
    values = approved if isinstance(approved, list) else [approved]
    names = {_id(v) for v in values if isinstance(_id(v), str)}
    if names & {PUBLIC, "as:Public", "Public"}:
        return "public"
    if author.followers_url and author.followers_url in names:
        return "followers"
    return "nobody"


def note_quote_fields(quote: QuoteRow | None, quoted_uri: str | None) -> dict[str, Any]:
    if quote is None or quoted_uri is None or quote.state in ("rejected", "revoked"):
        return {}
    fields: dict[str, Any] = {"quote": quoted_uri, "quoteUri": quoted_uri, "_misskey_quote": quoted_uri}
    if quote.state == "accepted" and quote.approval_uri:
        fields["quoteAuthorization"] = quote.approval_uri
    return fields


async def with_quote(db: Database, note: dict[str, Any], status: StatusRow, author: AccountRow) -> dict[str, Any]:
    """The Note with its quote and who may quote it (local statuses)."""
    quote = await quotes.quote_of_status(db, status.id)
    policy = effective_policy((await quotes.policies_of(db, [status.id])).get(status.id), local=True)
    return {**note, **note_quote_fields(quote, quote.quoted_uri if quote else None),
            "interactionPolicy": {"canQuote": can_quote(policy, author)}}
