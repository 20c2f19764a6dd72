"""Quote posts (Mastodon 4.5): what compose and edit need, and the quote routes.

`POST /api/v1/statuses` (and edit) take `quoted_status_id` and
`quote_approval_policy`; `GET /api/v1/statuses/:id/quotes`, `POST
/api/v1/statuses/:id/quotes/:quoting_status_id/revoke` and `PUT
/api/v1/statuses/:id/interaction_policy` act on a status's quotes; the
stamps (QuoteAuthorization) of quotes of local statuses are served at
`/users/:name/quote_authorizations/:id`.

Who may quote is policy/quotes.py's decision. Article 7(6): a status on a
host the link policy would not link (no active permit) cannot be quoted:
the same gate as every link in a post (node.gate.vet_links) says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from federation import emit, quote_emit
from federation import quotes as docs
from federation.context import FEDERATION
from node import gate, routing
from node.api.activitypub import ap_response, federation_of, require_signature
from node.api.path_ids import id_param, path_id
from node.auth import Auth, authenticated, optional_auth
from node.entities.status import render_status, render_statuses
from node.errors import json_error, not_found, unprocessable
from node.keys import DB, IDS
from node.pagination import paginate, read_limit
from node.params import Params, read_params
from policy.quotes import POLICIES, effective_policy, may_quote, policy_for
from storage import accounts, quotes, status_writes, statuses
from storage.accounts import AccountRow
from storage.quotes import NewQuote
from storage.statuses import StatusRow


@dataclass(frozen=True, slots=True)
class QuoteTarget:
    quoted: StatusRow
    author: AccountRow  # the quoted status's
    state: str          # accepted (local, or one's own) or pending (the author's node decides)


def read_quote_policy(params: Params, visibility: str) -> str | None:
    """`quote_approval_policy`, checked; None when absent."""
    value = params.str("quote_approval_policy")
    if value is None or value == "":
        return None
    if value not in POLICIES:
        raise unprocessable("Validation failed: Quote approval policy is not included in the list")
    return policy_for(visibility, value)


async def _check_host(app: web.Application, quoted: StatusRow) -> None:
    """Article 7(6): refused like a link to a host without a permit."""
    decision = await gate.vet_links(app, [("quoted_status", quoted.uri)], "status")
    if decision.unlinked:
        first = decision.unlinked[0]
        raise json_error(422, f"This post was not published: it quotes a post on {first.host}, which holds no"
                              f" permit in this node's registry ({first.message}).",
                         reason="link_not_permitted", host=first.host)


async def read_quote(app: web.Application, params: Params, auth: Auth) -> QuoteTarget | None:
    """The status `quoted_status_id` names, if the author may quote it."""
    raw = params.raw("quoted_status_id")
    if raw is None or str(raw).strip() == "":
        return None
    db = app[DB]
    wanted = id_param(raw)
    quoted = await statuses.status_for_viewer(db, wanted, auth.account_id) if wanted else None
    author = await accounts.get_account(db, quoted.account_id) if quoted else None
    if quoted is None or author is None or quoted.reblog_of_id is not None or not quoted.published:
        raise json_error(404, "The post you are trying to quote does not appear to exist.")
    own = author.id == auth.account_id
    if not author.local:
        if app.get(FEDERATION) is None:
            raise unprocessable("Validation failed: federation is off, a remote post cannot be quoted")
        await _check_host(app, quoted)
    policy = effective_policy((await quotes.policies_of(db, [quoted.id])).get(quoted.id), local=author.local)
    answer = may_quote(policy, quoted.visibility, is_author=own,
                       follows_author=await quotes.follows(db, auth.account_id, author.id))
    if answer == "denied":
        raise unprocessable("Validation failed: You are not allowed to quote this post")
    return QuoteTarget(quoted, author, "accepted" if author.local or own else "pending")


def new_quote(app: web.Application, target: QuoteTarget, status_id: int, quoter: AccountRow) -> NewQuote:
    """The quote row of a new local status: a local author's stamp at once,
    a remote author asked by a QuoteRequest (sent after the commit)."""
    quote_id = app[IDS].next_id()
    stamped = target.author.local and target.author.id != quoter.id
    return NewQuote(
        id=quote_id, status_id=status_id, account_id=quoter.id, quoted_status_id=target.quoted.id,
        quoted_account_id=target.author.id, quoted_uri=target.quoted.uri, state=target.state,
        activity_uri=docs.request_uri(quoter.uri) if target.state == "pending" else None,
        approval_uri=docs.stamp_uri(target.author.uri, quote_id) if stamped else None)


@dataclass(frozen=True, slots=True)
class Quoting:
    """What a new status says of quotes: the status it quotes (if any) and who may quote it."""

    target: QuoteTarget | None
    policy: str

    def new_quote(self, app: web.Application, status_id: int, quoter: AccountRow) -> NewQuote | None:
        return new_quote(app, self.target, status_id, quoter) if self.target else None


async def read_quoting(app: web.Application, params: Params, auth: Auth, visibility: str) -> Quoting:
    """`quoted_status_id` (checked: 404, or 422 for a host without a permit) and
    `quote_approval_policy` of a new status."""
    target = await read_quote(app, params, auth)
    return Quoting(target, read_quote_policy(params, visibility) or policy_for(visibility, None))


async def after_quote_created(app: web.Application, row: StatusRow, quote: NewQuote | None) -> None:
    if quote is not None and quote.state == "pending" and row.published:
        await emit.after_commit(app, quote_emit.quote_requested, row.id)


@dataclass(frozen=True, slots=True)
class QuoteEdit:
    target: QuoteTarget | None  # a quote added by the edit
    policy: str | None          # a new quote_approval_policy

    @property
    def changes(self) -> bool:
        return self.target is not None or self.policy is not None


async def read_quote_edit(app: web.Application, params: Params, auth: Auth, row: StatusRow) -> QuoteEdit:
    """An edit may add a quote to a status without one and change its policy;
    naming the quote it has changes nothing, naming another is refused."""
    policy = read_quote_policy(params, row.visibility)
    wanted = id_param(params.raw("quoted_status_id"))
    if wanted is None:
        return QuoteEdit(None, policy)
    existing = await quotes.quote_of_status(app[DB], row.id)
    if existing is not None:
        if existing.quoted_status_id != wanted:
            raise unprocessable("Validation failed: the quoted post of a post cannot be changed")
        return QuoteEdit(None, policy)
    return QuoteEdit(await read_quote(app, params, auth), policy)


async def save_quote_edit(app: web.Application, auth: Auth, row: StatusRow, edit: QuoteEdit) -> bool:
    """Store what `read_quote_edit` allowed; whether anything changed."""
    if not edit.changes:
        return False
    assert auth.account is not None
    quote = new_quote(app, edit.target, row.id, auth.account) if edit.target else None
    async with app[DB].write() as w:
        if quote is not None:
            await quotes.insert_quote(w, quote)
            if quote.state == "accepted" and row.published:
                await status_writes.notify_about(w, app[IDS], quote.quoted_account_id, row.account_id, "quote", row)
        if edit.policy is not None:
            await quotes.set_policy(w, row.id, edit.policy)
    await after_quote_created(app, row, quote)
    return True


# ---- routes ------------------------------------------------------------------------

async def _own_status(request: web.Request, auth: Auth) -> StatusRow:
    row = await statuses.get_status(request.app[DB], path_id(request))
    if row is None or row.account_id != auth.account_id or row.reblog_of_id is not None:
        raise not_found()
    return row


@optional_auth("read", "read:statuses")
async def list_quotes(request: web.Request, auth: Auth | None) -> web.Response:
    """Statuses quoting this one with an accepted quote, that the viewer may see."""
    db = request.app[DB]
    viewer = auth.account_id if auth and auth.account else None
    row = await statuses.status_for_viewer(db, path_id(request), viewer)
    if row is None:
        raise not_found()
    ids = await quotes.quoting_status_ids(db, row.id, max_id=id_param(request.query.get("max_id")),
                                          limit=read_limit(request, 20, 40))
    visible = await statuses.visible_statuses(db, await statuses.get_statuses(db, ids), viewer)
    return web.json_response(await render_statuses(request.app, visible, viewer), headers=paginate(request, ids))


@authenticated("write", "write:statuses")
async def revoke_quote(request: web.Request, auth: Auth) -> web.Response:
    """The quoted author withdraws a quote's authorisation; the quoting status comes back."""
    db = request.app[DB]
    row = await _own_status(request, auth)
    quote = await quotes.quote_of_status(db, path_id(request, "quoting_status_id"))
    if quote is None or quote.quoted_status_id != row.id:
        raise not_found()
    if quote.state in ("accepted", "pending"):
        await quotes.set_state(db, quote.id, "revoked" if quote.state == "accepted" else "rejected")
        if quote.state == "accepted":
            await emit.after_commit(request.app, quote_emit.quote_revoked, quote.id)
    quoting = await statuses.get_status(db, quote.status_id)
    assert quoting is not None
    return web.json_response(await render_status(request.app, quoting, auth.account_id))


@authenticated("write", "write:statuses")
async def interaction_policy(request: web.Request, auth: Auth) -> web.Response:
    row = await _own_status(request, auth)
    policy = read_quote_policy(await read_params(request), row.visibility)
    if policy is None:
        raise unprocessable("Validation failed: Quote approval policy can't be blank")
    async with request.app[DB].write() as w:
        await quotes.set_policy(w, row.id, policy)
    await emit.after_commit(request.app, emit.status_edited, row.id)  # peers learn the new canQuote
    return web.json_response(await render_status(request.app, row, auth.account_id))


async def quote_authorization(request: web.Request) -> web.Response:
    """The stamp of an accepted quote of a local status (404 once revoked)."""
    fed = federation_of(request)
    await require_signature(request, fed)
    db = request.app[DB]
    quote_id = id_param(request.match_info["id"])
    quote = await quotes.get_quote(db, quote_id) if quote_id else None
    author = await accounts.get_account(db, quote.quoted_account_id) if quote and quote.quoted_account_id else None
    quoting = await statuses.get_status(db, quote.status_id) if quote else None
    if (quote is None or author is None or quoting is None or not author.local or quote.state != "accepted"
            or author.username.lower() != request.match_info["username"].lower() or not quote.approval_uri):
        raise not_found()
    return ap_response(docs.quote_authorization(quote.approval_uri, author.uri, quoting.uri, quote.quoted_uri))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/statuses/{id}/quotes", list_quotes),
        routing.post("/api/v1/statuses/{id}/quotes/{quoting_status_id}/revoke", revoke_quote),
        routing.put("/api/v1/statuses/{id}/interaction_policy", interaction_policy),
        routing.get("/users/{username}/quote_authorizations/{id}", quote_authorization),
    ]
