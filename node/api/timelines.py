"""Timelines and status lists: home, public, hashtag, list, an account's
statuses, bookmarks and favourites. All page as Mastodon does (see
node.pagination) and render through the batch Status renderer."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from node import routing
from node.api.path_ids import path_id
from node.auth import Auth, authenticated, optional_auth
from node.entities.status import render_statuses
from node.errors import not_found
from node.keys import DB
from node.pagination import paginate, read_page
from node.params import Params, read_params
from storage import accounts, statuses, timelines
from storage.statuses import StatusRow
from storage.timelines import AccountFilter


def _viewer(auth: Auth | None) -> int | None:
    return auth.account_id if auth is not None and auth.account is not None else None


async def _statuses_page(request: web.Request, rows: Sequence[StatusRow], viewer: int | None,
                         page_ids: Sequence[int] | None = None, *, check: bool = False) -> web.Response:
    """Render `rows` (newest first); Link pages by `page_ids` (default the status ids).

    `check` re-applies the visibility rules for lists whose query does not."""
    if check:
        rows = await statuses.visible_statuses(request.app[DB], rows, viewer)
    body = await render_statuses(request.app, rows, viewer)
    ids = page_ids if page_ids is not None else [r.id for r in rows]
    return web.json_response(body, headers=paginate(request, list(ids)))


async def _by_ids(request: web.Request, ids: Sequence[int]) -> list[StatusRow]:
    return await statuses.get_statuses(request.app[DB], ids)


def _flag(params: Params, name: str) -> bool:
    return bool(params.bool(name, False))


@authenticated("read", "read:statuses")
async def home(request: web.Request, auth: Auth) -> web.Response:
    rows = await timelines.home_statuses(request.app[DB], auth.account_id, read_page(request))
    return await _statuses_page(request, rows, auth.account_id)


@optional_auth("read", "read:statuses")
async def public(request: web.Request, auth: Auth | None) -> web.Response:
    params = await read_params(request)
    viewer = _viewer(auth)
    rows = await timelines.public_statuses(request.app[DB], viewer, read_page(request),
                                           local=_flag(params, "local"), remote=_flag(params, "remote"),
                                           only_media=_flag(params, "only_media"))
    return await _statuses_page(request, rows, viewer)


@optional_auth("read", "read:statuses")
async def tag(request: web.Request, auth: Auth | None) -> web.Response:
    params = await read_params(request)
    viewer = _viewer(auth)
    db = request.app[DB]
    main = await statuses.find_tag_ids(db, [request.match_info["hashtag"]])
    any_tags = main + await statuses.find_tag_ids(db, [str(t) for t in params.list("any")])
    wanted_all = [str(t) for t in params.list("all")]
    all_tags = await statuses.find_tag_ids(db, wanted_all)
    if not main or len(all_tags) < len(set(t.lower() for t in wanted_all)):
        return web.json_response([])
    none_tags = await statuses.find_tag_ids(db, [str(t) for t in params.list("none")])
    rows = await timelines.tag_statuses(
        db, viewer, read_page(request), any_tags=any_tags, all_tags=all_tags, none_tags=none_tags,
        local=_flag(params, "local"), remote=_flag(params, "remote"), only_media=_flag(params, "only_media"))
    return await _statuses_page(request, rows, viewer)


@authenticated("read", "read:lists")
async def list_timeline(request: web.Request, auth: Auth) -> web.Response:
    db = request.app[DB]
    list_id = path_id(request)
    policy = await timelines.list_replies_policy(db, list_id, auth.account_id)
    if policy is None:
        raise not_found()
    rows = await timelines.list_statuses(db, auth.account_id, list_id, policy, read_page(request))
    return await _statuses_page(request, rows, auth.account_id)


@authenticated("read", "read:bookmarks")
async def bookmarks(request: web.Request, auth: Auth) -> web.Response:
    pairs = await timelines.bookmark_pairs(request.app[DB], auth.account_id, read_page(request))
    rows = await _by_ids(request, [s for _, s in pairs])
    return await _statuses_page(request, rows, auth.account_id, [p for p, _ in pairs], check=True)


@authenticated("read", "read:favourites")
async def favourites(request: web.Request, auth: Auth) -> web.Response:
    pairs = await timelines.favourite_pairs(request.app[DB], auth.account_id, read_page(request))
    rows = await _by_ids(request, [s for _, s in pairs])
    return await _statuses_page(request, rows, auth.account_id, [p for p, _ in pairs], check=True)


async def _account_filter(request: web.Request, params: Params) -> AccountFilter:
    tagged = params.str("tagged")
    tag_ids = tuple(await statuses.find_tag_ids(request.app[DB], [tagged])) if tagged else None
    return AccountFilter(exclude_replies=_flag(params, "exclude_replies"),
                         exclude_reblogs=_flag(params, "exclude_reblogs"), tagged=tag_ids,
                         only_media=_flag(params, "only_media"))


@optional_auth("read", "read:statuses")
async def account_statuses(request: web.Request, auth: Auth | None) -> web.Response:
    db = request.app[DB]
    author = await accounts.get_account(db, path_id(request))
    if author is None:
        raise not_found()
    params = await read_params(request)
    viewer = _viewer(auth)
    blocked = viewer is not None and await timelines.blocks(db, author.id, viewer)
    if blocked or author.suspended_at:
        return web.json_response([])
    if _flag(params, "pinned"):
        pinned = await _by_ids(request, await timelines.pinned_ids(db, author.id))
        return await _statuses_page(request, pinned, viewer, [], check=True)
    rows = await timelines.account_statuses(db, author.id, viewer, read_page(request),
                                            await _account_filter(request, params))
    return await _statuses_page(request, rows, viewer)


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/timelines/home", home),
        routing.get("/api/v1/timelines/public", public),
        routing.get("/api/v1/timelines/tag/{hashtag}", tag),
        routing.get("/api/v1/timelines/list/{id}", list_timeline),
        routing.get("/api/v1/bookmarks", bookmarks),
        routing.get("/api/v1/favourites", favourites),
        routing.get("/api/v1/accounts/{id}/statuses", account_statuses),
    ]
