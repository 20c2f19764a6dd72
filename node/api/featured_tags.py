"""Featured hashtags: `GET/POST /api/v1/featured_tags`, `DELETE .../:id`,
`GET .../suggestions`, `GET /api/v1/accounts/:id/featured_tags`, Mastodon
4.4's `POST /api/v1/tags/:name/feature|unfeature`, and the actor's
`featuredTags` collection at `/users/:name/collections/tags`.

The FeaturedTag entity as Mastodon's serializer: `statuses_count` a
string, `last_status_at` a date. At most 10 per account (422 past it, as
Mastodon). Featuring and unfeaturing federate as Add and Remove
(`federation.featured_tags`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from federation import emit
from federation.featured_tags import collection, tag_featured, tag_unfeatured
from federation.urls import Urls
from node import routing
from node.api.accounts import listed_or_404
from node.api.activitypub import ap_response, federation_of, require_signature
from node.api.path_ids import path_id
from node.api.tags import TAG_NAME
from node.auth import Auth, authenticated, optional_auth
from node.entities.tag import render_tags
from node.errors import not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.params import read_params
from storage import accounts, featured_tags, relationships, tag_queries
from storage.accounts import AccountRow
from storage.featured_tags import FeaturedLimitError, FeaturedTagRow

READ = ("read", "read:accounts")
WRITE = ("write", "write:accounts")


def serialize_featured(urls: Urls, account: AccountRow, row: FeaturedTagRow) -> dict[str, Any]:
    url = row.url or urls.tagged(account.acct(), quote(row.name.lower(), safe=""))
    return {"id": str(row.id), "name": row.name, "url": url, "statuses_count": str(row.statuses_count),
            "last_status_at": row.last_status_at[:10] if row.last_status_at else None}


def _urls(request: web.Request) -> Urls:
    return Urls.of(request.app[CONFIG].node.base_url)


async def _featured_list(request: web.Request, account: AccountRow) -> web.Response:
    rows = await featured_tags.featured_of(request.app[DB], account.id)
    return web.json_response([serialize_featured(_urls(request), account, r) for r in rows])


def _valid_name(name: str) -> str:
    name = name.strip().removeprefix("#")
    if not name:
        raise unprocessable("Validation failed: Name can't be blank")
    if len(name) > 100 or not TAG_NAME.fullmatch(name):
        raise unprocessable("Validation failed: Name is not a valid hashtag")
    return name


async def _feature(request: web.Request, auth: Auth, name: str) -> int:
    try:
        featured_id, created = await featured_tags.feature(request.app[DB], request.app[IDS], auth.account_id, name)
    except FeaturedLimitError:
        raise unprocessable(f"Validation failed: You can only feature up to {featured_tags.MAX_FEATURED}"
                            " hashtags") from None
    if created:
        await emit.after_commit(request.app, tag_featured, auth.account_id, name)  # federation: Add
    return featured_id


async def _unfeature(request: web.Request, auth: Auth, featured_id: int) -> bool:
    row = await featured_tags.get_featured(request.app[DB], auth.account_id, featured_id)
    if row is None or not await featured_tags.unfeature(request.app[DB], auth.account_id, featured_id):
        return False
    await emit.after_commit(request.app, tag_unfeatured, auth.account_id, row.name)  # federation: Remove
    return True


@authenticated(*READ)
async def own_featured(request: web.Request, auth: Auth) -> web.Response:
    assert auth.account is not None
    return await _featured_list(request, auth.account)


@authenticated(*WRITE)
async def create_featured(request: web.Request, auth: Auth) -> web.Response:
    assert auth.account is not None
    name = _valid_name((await read_params(request)).str("name") or "")
    row = await featured_tags.get_featured(request.app[DB], auth.account_id, await _feature(request, auth, name))
    assert row is not None
    return web.json_response(serialize_featured(_urls(request), auth.account, row))


@authenticated(*WRITE)
async def delete_featured(request: web.Request, auth: Auth) -> web.Response:
    if not await _unfeature(request, auth, path_id(request)):
        raise not_found()
    return web.json_response({})


@authenticated(*READ)
async def suggestions(request: web.Request, auth: Auth) -> web.Response:
    """Tag entities of the account's most used tags it does not feature (10)."""
    rows = await featured_tags.suggestions(request.app[DB], auth.account_id)
    return web.json_response(await render_tags(request.app, rows, auth.account_id))


@optional_auth(*READ)
async def account_featured(request: web.Request, auth: Auth | None) -> web.Response:
    account = await listed_or_404(request)
    viewer = auth.account_id if auth is not None and auth.account is not None else None
    if account.suspended_at or (viewer is not None
                                and await relationships.blocked_by(request.app[DB], account.id, viewer)):
        return web.json_response([])
    return await _featured_list(request, account)


def _tag_path_name(request: web.Request) -> str:
    name = request.match_info["name"].removeprefix("#")
    if not TAG_NAME.fullmatch(name):
        raise not_found()
    return name


@authenticated(*WRITE)
async def feature_tag(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/tags/:name/feature (Mastodon 4.4): the Tag, now `featuring`."""
    name = _tag_path_name(request)
    await _feature(request, auth, name)
    row = await tag_queries.find_tag(request.app[DB], name)
    assert row is not None
    return web.json_response((await render_tags(request.app, [row], auth.account_id))[0])


@authenticated(*WRITE)
async def unfeature_tag(request: web.Request, auth: Auth) -> web.Response:
    name = _tag_path_name(request)
    row = await tag_queries.find_tag(request.app[DB], name)
    if row is None:
        raise not_found()
    featured_id = await featured_tags.featured_id_by_name(request.app[DB], auth.account_id, name)
    if featured_id is not None:
        await _unfeature(request, auth, featured_id)
    return web.json_response((await render_tags(request.app, [row], auth.account_id))[0])


async def featured_collection(request: web.Request) -> web.Response:
    """The actor's `featuredTags` collection (signed GET in secure mode)."""
    fed = federation_of(request)
    account = await accounts.find_local_account(fed.db, request.match_info["username"])
    if account is None or account.suspended_at or await accounts.get_listed_account(fed.db, account.id) is None:
        raise not_found()
    await require_signature(request, fed)
    return ap_response(collection(fed.urls, account, await featured_tags.featured_of(fed.db, account.id)))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/featured_tags", own_featured),
        routing.post("/api/v1/featured_tags", create_featured),
        routing.get("/api/v1/featured_tags/suggestions", suggestions),
        routing.delete("/api/v1/featured_tags/{id}", delete_featured),
        routing.get("/api/v1/accounts/{id}/featured_tags", account_featured),
        routing.post("/api/v1/tags/{name}/feature", feature_tag),
        routing.post("/api/v1/tags/{name}/unfeature", unfeature_tag),
        routing.get("/users/{username}/collections/tags", featured_collection),
    ]
