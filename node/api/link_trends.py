"""`GET /api/v1/trends/links`: the links this node's people share.

PreviewCard entities (the cards `node.cards` fetched, from permitted hosts
only) of local public statuses from the last seven days, most sharing
accounts first, each with Mastodon's `history` (uses and accounts per
day, today first); `limit` 10 (at most 20) and `offset`, with a `next`
link while pages come back full, as the other trends.
"""

from __future__ import annotations

from aiohttp import web

from node import routing
from node.api.tags import next_offset_link, offset_param
from node.auth import Auth, optional_auth
from node.entities.card import serialize_card
from node.entities.tag import history_entries
from node.keys import DB
from node.pagination import read_limit
from storage import link_trends


@optional_auth()
async def trending_links(request: web.Request, auth: Auth | None) -> web.Response:
    limit, offset = read_limit(request, 10, 20), offset_param(request)
    rows = await link_trends.trending_cards(request.app[DB], limit, offset)
    history = await link_trends.card_usage(request.app[DB], [r.id for r in rows])
    body = [{**serialize_card(r), "history": history_entries(history.get(r.id, []))} for r in rows]
    return web.json_response(body, headers=next_offset_link(request, offset, limit, len(rows)))


def routes() -> list[web.RouteDef]:
    return [routing.get("/api/v1/trends/links", trending_links)]
