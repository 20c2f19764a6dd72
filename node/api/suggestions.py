"""Follow suggestions: `GET /api/v2/suggestions` (Suggestion entities with
Mastodon's `sources` and the legacy `source`), `GET /api/v1/suggestions`
(bare accounts), `DELETE /api/v1/suggestions/:account_id` (never suggest
that account again); and the staff picks behind the `featured` source, in
the admin API at `/api/v1/admin/follow_recommendations` (list, add with
`account_id`, remove; audited) and `python -m node suggestions`.

Sources are computed by `storage.suggestions`; limit 40, at most 80.
"""

from __future__ import annotations

from aiohttp import web

from node import routing
from node.api.accounts import listed_or_404
from node.api.path_ids import id_param, path_id
from node.audit_log import audit
from node.auth import Auth, authenticated
from node.entities.account import serialize_account
from node.errors import not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.pagination import read_limit
from node.params import read_params
from storage import accounts, suggestions
from storage.suggestions import FEATURED

READ = ("read", "read:accounts")
WRITE = ("write", "write:accounts")
ADMIN_READ, ADMIN_WRITE = "admin:read:accounts", "admin:write:accounts"
ADMIN_BASE = "/api/v1/admin/follow_recommendations"
# Mastodon's REST::SuggestionSerializer LEGACY_SOURCE_TYPE_MAP
LEGACY_SOURCE = {"featured": "staff", "most_followed": "global", "most_interactions": "global",
                 "similar_to_recently_followed": "past_interactions", "friends_of_friends": "past_interactions"}


async def _suggested(request: web.Request, auth: Auth) -> list[tuple[dict[str, object], tuple[str, ...]]]:
    db = request.app[DB]
    found = await suggestions.suggestions_for(db, auth.account_id, read_limit(request, 40, 80))
    rows = await accounts.get_listed_accounts(db, [s.account_id for s in found])
    config = request.app[CONFIG]
    return [(serialize_account(rows[s.account_id], config), s.sources) for s in found if s.account_id in rows]


@authenticated(*READ)
async def suggestions_v2(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response([{"source": LEGACY_SOURCE[sources[0]], "sources": list(sources), "account": account}
                              for account, sources in await _suggested(request, auth)])


@authenticated(*READ)
async def suggestions_v1(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response([account for account, _ in await _suggested(request, auth)])


@authenticated(*WRITE)
async def dismiss(request: web.Request, auth: Auth) -> web.Response:
    target = await listed_or_404(request, path_id(request, "account_id"))
    await suggestions.dismiss(request.app[DB], request.app[IDS], auth.account_id, target.id)
    return web.json_response({})


@authenticated(ADMIN_READ, staff=True)
async def list_picks(request: web.Request, auth: Auth) -> web.Response:
    ids = await suggestions.picks(request.app[DB])
    rows = await accounts.get_accounts(request.app[DB], ids)
    config = request.app[CONFIG]
    return web.json_response([serialize_account(rows[i], config) for i in ids if i in rows])


@authenticated(ADMIN_WRITE, staff=True)
async def add_pick(request: web.Request, auth: Auth) -> web.Response:
    account_id = id_param((await read_params(request)).raw("account_id"))
    target = await accounts.get_listed_account(request.app[DB], account_id) if account_id else None
    if target is None:
        raise not_found()
    if not target.local or target.suspended_at:
        raise unprocessable("Validation failed: only local accounts in good standing can be recommended")
    if await suggestions.pick(request.app[DB], target.id, auth.account_id):
        await audit(request.app, auth, "suggestion.pick", ("account", target.id), {"source": FEATURED})
    return web.json_response(serialize_account(target, request.app[CONFIG]))


@authenticated(ADMIN_WRITE, staff=True)
async def remove_pick(request: web.Request, auth: Auth) -> web.Response:
    account_id = path_id(request, "account_id")
    if not await suggestions.unpick(request.app[DB], account_id):
        raise not_found()
    await audit(request.app, auth, "suggestion.unpick", ("account", account_id), {"source": FEATURED})
    return web.json_response({})


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v2/suggestions", suggestions_v2),
        routing.get("/api/v1/suggestions", suggestions_v1),
        routing.delete("/api/v1/suggestions/{account_id}", dismiss),
        routing.get(ADMIN_BASE, list_picks),
        routing.post(ADMIN_BASE, add_pick),
        routing.delete(f"{ADMIN_BASE}/{{account_id}}", remove_pick),
    ]
