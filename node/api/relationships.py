"""Follow, unfollow, block, mute and the Relationship entity.

Scopes as Mastodon: `follow` or `write` or the matching `write:follows`,
`write:blocks`, `write:mutes`; relationships need `read` or
`read:follows`. A locked account (or a remote one, which must accept
over ActivityPub, or any follow by a limited account) gets a follow
request instead of a follow. Following oneself is 403, as following
someone who blocks you (or whom you block).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from federation import emit
from node import routing
from node.api.accounts import MAX_IDS, listed_or_404
from node.api.path_ids import id_param
from node.auth import Auth, authenticated
from node.entities.account import serialize_account
from node.entities.relationship import serialize_relationship
from node.errors import forbidden, json_error, not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.params import Params, read_params
from policy.sanctions import follow_allowed
from storage import accounts, domain_blocks, relationships
from storage.clock import iso, now
from storage.relationships import UNCHANGED, FollowOptions

FOLLOWS = ("follow", "write", "write:follows")
BLOCKS = ("follow", "write", "write:blocks")
MUTES = ("follow", "write", "write:mutes")
READ_FOLLOWS = ("read", "read:follows")
SELF_FOLLOW = "Following your own account is not allowed"
MAX_MUTE_SECONDS = 10 * 365 * 86400

async def relationship_response(request: web.Request, viewer_id: int, target_id: int) -> web.Response:
    rel = (await relationships.relationships(request.app[DB], viewer_id, [target_id]))[target_id]
    return web.json_response(serialize_relationship(rel))


def _follow_options(params: Params) -> FollowOptions:
    languages: Any = UNCHANGED
    if "languages" in params or "languages[]" in params:
        langs = [str(v).strip().lower() for v in params.list("languages") if v is not None and str(v).strip()]
        languages = tuple(dict.fromkeys(lang[:10] for lang in langs)) or None
    return FollowOptions(reblogs=params.bool("reblogs"), notify=params.bool("notify"), languages=languages)


@authenticated(*FOLLOWS)
async def follow(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/accounts/:id/follow (reblogs, notify, languages)"""
    target = await listed_or_404(request)
    if target.id == auth.account_id:
        raise forbidden(SELF_FOLLOW)
    if target.suspended_at:
        raise not_found()
    db = request.app[DB]
    assert auth.account is not None
    if target.moved_to_id or await relationships.blocked_either_way(db, auth.account_id, target.id) \
            or await domain_blocks.blocks_domain(db, auth.account_id, target.domain):
        raise forbidden()
    if not await follow_allowed(db, auth.account_id, now()):  # article 7(7): no buying fans
        raise json_error(429, "Too many follow requests")
    as_request = bool(target.locked) or not target.local or bool(auth.account.silenced_at)
    await relationships.follow(db, request.app[IDS], auth.account_id, target.id,
                               _follow_options(await read_params(request)), as_request=as_request)
    await emit.after_commit(request.app, emit.followed, auth.account_id, target.id)  # federation
    return await relationship_response(request, auth.account_id, target.id)


@authenticated(*FOLLOWS)
async def unfollow(request: web.Request, auth: Auth) -> web.Response:
    target = await listed_or_404(request)
    await relationships.unfollow(request.app[DB], auth.account_id, target.id)
    await emit.after_commit(request.app, emit.unfollowed, auth.account_id, target.id)  # federation
    return await relationship_response(request, auth.account_id, target.id)


@authenticated(*FOLLOWS)
async def remove_from_followers(request: web.Request, auth: Auth) -> web.Response:
    target = await listed_or_404(request)
    await relationships.remove_follower(request.app[DB], auth.account_id, target.id)
    return await relationship_response(request, auth.account_id, target.id)


@authenticated(*BLOCKS)
async def block(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/accounts/:id/block: also ends follows both ways."""
    target = await listed_or_404(request)
    if target.id == auth.account_id:
        raise forbidden()
    await relationships.block(request.app[DB], request.app[IDS], auth.account_id, target.id)
    await emit.after_commit(request.app, emit.blocked, auth.account_id, target.id)  # federation
    return await relationship_response(request, auth.account_id, target.id)


@authenticated(*BLOCKS)
async def unblock(request: web.Request, auth: Auth) -> web.Response:
    target = await listed_or_404(request)
    await relationships.unblock(request.app[DB], auth.account_id, target.id)
    return await relationship_response(request, auth.account_id, target.id)


def _mute_expiry(params: Params) -> str | None:
    seconds = params.int("duration", 0) or 0
    if seconds < 0 or seconds > MAX_MUTE_SECONDS:
        raise unprocessable("Validation failed: Duration is invalid")
    return iso(now() + dt.timedelta(seconds=seconds)) if seconds else None


@authenticated(*MUTES)
async def mute(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/accounts/:id/mute (notifications: default true; duration in seconds, 0 = forever)"""
    target = await listed_or_404(request)
    if target.id == auth.account_id:
        raise forbidden()
    params = await read_params(request)
    hide = params.bool("notifications")
    await relationships.mute(request.app[DB], request.app[IDS], auth.account_id, target.id,
                             True if hide is None else hide, _mute_expiry(params))
    return await relationship_response(request, auth.account_id, target.id)


@authenticated(*MUTES)
async def unmute(request: web.Request, auth: Auth) -> web.Response:
    target = await listed_or_404(request)
    await relationships.unmute(request.app[DB], auth.account_id, target.id)
    return await relationship_response(request, auth.account_id, target.id)


def _ids(params: Params) -> list[int]:
    ids = [i for i in (id_param(v) for v in params.list("id")) if i is not None]
    return list(dict.fromkeys(ids))


@authenticated(*READ_FOLLOWS)
async def relationships_index(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/accounts/relationships?id[]=: in the order asked, unknown ids left out."""
    params = await read_params(request)
    ids = _ids(params)
    rows = await accounts.get_listed_accounts(request.app[DB], ids)
    with_suspended = bool(params.bool("with_suspended", False))
    shown = [i for i in ids if i in rows and (with_suspended or not rows[i].suspended_at)]
    rels = await relationships.relationships(request.app[DB], auth.account_id, shown)
    return web.json_response([serialize_relationship(rels[i]) for i in shown])


@authenticated(*READ_FOLLOWS)
async def familiar_followers(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/accounts/familiar_followers?id[]=: accounts you follow that follow each one."""
    ids = _ids(await read_params(request))
    if len(ids) > MAX_IDS:
        raise unprocessable(f"Validation failed: too many ids (maximum is {MAX_IDS})")
    db, config = request.app[DB], request.app[CONFIG]
    found = await relationships.familiar_followers(db, auth.account_id, ids)
    rows = await accounts.get_listed_accounts(db, [a for group in found.values() for a in group])
    return web.json_response([
        {"id": str(i), "accounts": [serialize_account(rows[a], config) for a in found[i] if a in rows]}
        for i in ids])


def routes() -> list[web.RouteDef]:
    base = "/api/v1/accounts/{id}"
    return [
        routing.get("/api/v1/accounts/relationships", relationships_index),
        routing.get("/api/v1/accounts/familiar_followers", familiar_followers),
        routing.post(f"{base}/follow", follow),
        routing.post(f"{base}/unfollow", unfollow),
        routing.post(f"{base}/remove_from_followers", remove_from_followers),
        routing.post(f"{base}/block", block),
        routing.post(f"{base}/unblock", unblock),
        routing.post(f"{base}/mute", mute),
        routing.post(f"{base}/unmute", unmute),
    ]
