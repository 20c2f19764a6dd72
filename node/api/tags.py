"""Hashtags: one tag, following tags, and trends computed from this node.

Trending tags are those used by the most accounts in public statuses over
the last seven days; trending statuses are recent public statuses with the
most boosts and favourites. Trending links are in `node.api.link_trends`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from aiohttp import web

from node import routing
from node.api.path_ids import parse_id
from node.auth import Auth, authenticated, optional_auth
from node.entities.status import render_statuses
from node.entities.tag import render_tags, render_unknown_tag
from node.errors import not_found
from node.keys import CONFIG, DB, IDS
from node.pagination import paginate, read_limit, read_page
from storage import statuses, tag_queries
from storage.tag_queries import TagRow

# Mastodon's HASHTAG_NAME_RE: word characters, at least one not a digit.
TAG_NAME = re.compile(r"[\w·\u200c]*[^\W\d][\w·\u200c]*")
FOLLOW = ("follow", "write", "write:follows")


def _tag_name(request: web.Request) -> str:
    name = request.match_info["name"].removeprefix("#")
    if not TAG_NAME.fullmatch(name):
        raise not_found()
    return name


async def _one(request: web.Request, row: TagRow, viewer_id: int | None) -> web.Response:
    return web.json_response((await render_tags(request.app, [row], viewer_id))[0])


@optional_auth()
async def show_tag(request: web.Request, auth: Auth | None) -> web.Response:
    name = _tag_name(request)
    row = await tag_queries.find_tag(request.app[DB], name)
    viewer = auth.account_id if auth and auth.account else None
    if row is None:
        return web.json_response(render_unknown_tag(request.app, name, viewer is not None))
    return await _one(request, row, viewer)


@authenticated(*FOLLOW)
async def follow_tag(request: web.Request, auth: Auth) -> web.Response:
    row = await tag_queries.ensure_tag(request.app[DB], request.app[IDS], _tag_name(request))
    await tag_queries.follow_tag(request.app[DB], auth.account_id, row.id)
    return await _one(request, row, auth.account_id)


@authenticated(*FOLLOW)
async def unfollow_tag(request: web.Request, auth: Auth) -> web.Response:
    name = _tag_name(request)
    row = await tag_queries.find_tag(request.app[DB], name)
    if row is None:
        return web.json_response(render_unknown_tag(request.app, name, True))
    await tag_queries.unfollow_tag(request.app[DB], auth.account_id, row.id)
    return await _one(request, row, auth.account_id)


@authenticated("follow", "read", "read:follows")
async def followed_tags(request: web.Request, auth: Auth) -> web.Response:
    page = read_page(request, default_limit=100, max_limit=200)
    rows = await tag_queries.followed_tags(request.app[DB], auth.account_id, page.max_id,
                                           page.since_id, page.limit)
    body = await render_tags(request.app, rows, auth.account_id)
    return web.json_response(body, headers=paginate(request, [r.id for r in rows]))


def offset_param(request: web.Request) -> int:
    return parse_id(request.query.get("offset")) or 0  # (not a number, or past 64 bits: the start)


def next_offset_link(request: web.Request, offset: int, limit: int, count: int) -> dict[str, str]:
    """Trends page by offset: a `next` link while a page comes back full."""
    if count < limit:
        return {}
    kept = [(k, v) for k, v in request.query.items() if k != "offset"]
    query = urlencode([*kept, ("offset", str(offset + limit))])
    return {"Link": f'<{request.app[CONFIG].node.base_url}{quote(request.path)}?{query}>; rel="next"'}


def _viewer(auth: Auth | None) -> int | None:
    return auth.account_id if auth and auth.account else None


@optional_auth()
async def trending_tags(request: web.Request, auth: Auth | None) -> web.Response:
    limit, offset = read_limit(request, 10, 20), offset_param(request)
    rows = await tag_queries.trending_tags(request.app[DB], limit, offset)
    body = await render_tags(request.app, rows, _viewer(auth))
    return web.json_response(body, headers=next_offset_link(request, offset, limit, len(rows)))


@optional_auth()
async def trending_statuses(request: web.Request, auth: Auth | None) -> web.Response:
    limit, offset = read_limit(request, 20, 40), offset_param(request)
    db, viewer = request.app[DB], _viewer(auth)
    ids = await tag_queries.trending_status_ids(db, limit, offset)
    rows = await statuses.visible_statuses(db, await statuses.get_statuses(db, ids), viewer)
    body = await render_statuses(request.app, rows, viewer)
    return web.json_response(body, headers=next_offset_link(request, offset, limit, len(ids)))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/tags/{name}", show_tag),
        routing.post("/api/v1/tags/{name}/follow", follow_tag),
        routing.post("/api/v1/tags/{name}/unfollow", unfollow_tag),
        routing.get("/api/v1/followed_tags", followed_tags),
        routing.get("/api/v1/trends", trending_tags),
        routing.get("/api/v1/trends/tags", trending_tags),
        routing.get("/api/v1/trends/statuses", trending_statuses),
    ]
