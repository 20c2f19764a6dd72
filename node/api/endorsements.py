"""Endorsements (featured accounts): `POST /api/v1/accounts/:id/pin` and
`/unpin`, also named `/endorse` and `/unendorse` since Mastodon 4.4,
`GET /api/v1/endorsements` (one's own) and `GET /api/v1/accounts/:id/endorsements`
(anyone's, Mastodon 4.4), paged with Link headers (40, at most 80).

Only a followed account can be endorsed: 422 with Mastodon's message
otherwise. As in Mastodon 4.4, endorsements are not federated: a remote
account's list is what this node stores for it, which is nothing.
"""

from __future__ import annotations

from aiohttp import web

from node import routing
from node.api.accounts import listed_or_404
from node.api.relationship_lists import accounts_page, list_page
from node.api.relationships import relationship_response
from node.auth import Auth, authenticated, optional_auth
from node.errors import unprocessable
from node.keys import DB, IDS
from storage import endorsements, relationships

WRITE = ("follow", "write", "write:accounts")
READ = ("read", "read:accounts")
NOT_FOLLOWING = "Validation failed: You must be already following the person you want to endorse"


@authenticated(*WRITE)
async def endorse(request: web.Request, auth: Auth) -> web.Response:
    target = await listed_or_404(request)
    if not await endorsements.endorse(request.app[DB], request.app[IDS], auth.account_id, target.id):
        raise unprocessable(NOT_FOLLOWING)
    return await relationship_response(request, auth.account_id, target.id)


@authenticated(*WRITE)
async def unendorse(request: web.Request, auth: Auth) -> web.Response:
    target = await listed_or_404(request)
    await endorsements.unendorse(request.app[DB], auth.account_id, target.id)
    return await relationship_response(request, auth.account_id, target.id)


@authenticated(*READ)
async def own_endorsements(request: web.Request, auth: Auth) -> web.Response:
    page = list_page(request)
    return await accounts_page(request, page, await endorsements.endorsement_edges(request.app[DB],
                                                                                   auth.account_id, page))


@optional_auth(*READ)
async def account_endorsements(request: web.Request, auth: Auth | None) -> web.Response:
    owner = await listed_or_404(request)
    page = list_page(request)
    viewer = auth.account_id if auth is not None and auth.account is not None else None
    hidden = owner.suspended_at is not None or (
        viewer is not None and await relationships.blocked_by(request.app[DB], owner.id, viewer))
    edges = [] if hidden else await endorsements.endorsement_edges(request.app[DB], owner.id, page)
    return await accounts_page(request, page, edges)


def routes() -> list[web.RouteDef]:
    base = "/api/v1/accounts/{id}"
    return [
        routing.post(f"{base}/pin", endorse),
        routing.post(f"{base}/endorse", endorse),
        routing.post(f"{base}/unpin", unendorse),
        routing.post(f"{base}/unendorse", unendorse),
        routing.get(f"{base}/endorsements", account_endorsements),
        routing.get("/api/v1/endorsements", own_endorsements),
    ]
