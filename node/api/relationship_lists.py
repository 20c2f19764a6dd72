"""Lists of accounts: followers, following, follow requests, blocks, mutes.

Each pages on its own row id (the follow, request, block or mute), with
Mastodon's `Link` header: `next` asks for `max_id` (older rows) and is
left out once a page comes back short while paging older; `prev` asks for
`min_id`. Default 40 accounts, at most 80.

Follow requests are authorised or rejected by the requesting ACCOUNT id,
as in Mastodon (`/api/v1/follow_requests/:account_id/authorize`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from federation import emit
from node import routing
from node.api.accounts import listed_or_404
from node.api.path_ids import path_id
from node.api.relationships import FOLLOWS, relationship_response
from node.auth import Auth, authenticated, optional_auth
from node.entities.account import serialize_account
from node.errors import not_found
from node.keys import CONFIG, DB, IDS
from node.pagination import Page, paginate_list, read_page
from storage import accounts, relationships
from storage.relationships import Edge

DEFAULT_LIMIT = 40
MAX_LIMIT = 80


async def accounts_page(request: web.Request, page: Page, edges: Sequence[Edge],
                         extra: str | None = None) -> web.Response:
    """The accounts of `edges`, in order; `extra` adds the edge's expiry (mutes)."""
    rows = await accounts.get_accounts(request.app[DB], [e.account_id for e in edges])
    config = request.app[CONFIG]
    body: list[dict[str, Any]] = []
    for edge in edges:
        if edge.account_id in rows:
            item = serialize_account(rows[edge.account_id], config)
            if extra:
                item[extra] = edge.expires_at
            body.append(item)
    return web.json_response(body, headers=paginate_list(request, page, [e.id for e in edges]))


def list_page(request: web.Request) -> Page:
    return read_page(request, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)


async def _follow_list(request: web.Request, auth: Auth | None, *, followers: bool) -> web.Response:
    owner = await listed_or_404(request)
    viewer = auth.account_id if auth is not None and auth.account is not None else None
    page = list_page(request)
    hidden = owner.suspended_at is not None or (
        viewer is not None and await relationships.blocked_by(request.app[DB], owner.id, viewer))
    edges = [] if hidden else await relationships.follow_edges(request.app[DB], owner.id, page, viewer,
                                                                 followers=followers)
    return await accounts_page(request, page, edges)


@optional_auth("read", "read:accounts")
async def followers(request: web.Request, auth: Auth | None) -> web.Response:
    """GET /api/v1/accounts/:id/followers"""
    return await _follow_list(request, auth, followers=True)


@optional_auth("read", "read:accounts")
async def following(request: web.Request, auth: Auth | None) -> web.Response:
    """GET /api/v1/accounts/:id/following"""
    return await _follow_list(request, auth, followers=False)


@authenticated("follow", "read", "read:follows")
async def follow_requests(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/follow_requests: accounts asking to follow you."""
    page = list_page(request)
    return await accounts_page(request, page, await relationships.request_edges(request.app[DB],
                                                                                  auth.account_id, page))


@authenticated(*FOLLOWS)
async def authorize_request(request: web.Request, auth: Auth) -> web.Response:
    requester = path_id(request, "account_id")
    follow_uri = await emit.follow_request_uri(request.app[DB], auth.account_id, requester)
    if not await relationships.authorize_request(request.app[DB], request.app[IDS], auth.account_id, requester):
        raise not_found()
    await emit.after_commit(request.app, emit.follow_request_answered, auth.account_id, requester,
                            accepted=True, follow_uri=follow_uri)  # federation: Accept
    return await relationship_response(request, auth.account_id, requester)


@authenticated(*FOLLOWS)
async def reject_request(request: web.Request, auth: Auth) -> web.Response:
    requester = path_id(request, "account_id")
    follow_uri = await emit.follow_request_uri(request.app[DB], auth.account_id, requester)
    if not await relationships.reject_request(request.app[DB], auth.account_id, requester):
        raise not_found()
    await emit.after_commit(request.app, emit.follow_request_answered, auth.account_id, requester,
                            accepted=False, follow_uri=follow_uri)  # federation: Reject
    return await relationship_response(request, auth.account_id, requester)


@authenticated("follow", "read", "read:blocks")
async def blocks(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/blocks"""
    page = list_page(request)
    return await accounts_page(request, page, await relationships.block_edges(request.app[DB],
                                                                                auth.account_id, page))


@authenticated("follow", "read", "read:mutes")
async def mutes(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/mutes: MutedAccount, an Account with `mute_expires_at`."""
    page = list_page(request)
    edges = await relationships.mute_edges(request.app[DB], auth.account_id, page)
    return await accounts_page(request, page, edges, extra="mute_expires_at")


@optional_auth("read", "read:accounts")
async def identity_proofs(request: web.Request, auth: Auth | None) -> web.Response:
    """GET /api/v1/accounts/:id/identity_proofs: removed from Mastodon, always []."""
    await listed_or_404(request)
    return web.json_response([])


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/accounts/{id}/followers", followers),
        routing.get("/api/v1/accounts/{id}/following", following),
        routing.get("/api/v1/accounts/{id}/identity_proofs", identity_proofs),
        routing.get("/api/v1/follow_requests", follow_requests),
        routing.post("/api/v1/follow_requests/{account_id}/authorize", authorize_request),
        routing.post("/api/v1/follow_requests/{account_id}/reject", reject_request),
        routing.get("/api/v1/blocks", blocks),
        routing.get("/api/v1/mutes", mutes),
    ]
