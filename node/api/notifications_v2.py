"""Grouped notifications (v2), which `api_versions.mastodon = 2` advertises.

A page holds up to `limit` groups: notifications are walked newest first
(or oldest first after `min_id`) and each group appears once, at its most
recent notification on the page. Counts and sample accounts are the
group's, up to the newest notification on the page; `page_min_id` and
`page_max_id` bound the group within the page. `grouped_types[]` limits
which types may group; the others come one per group as
`ungrouped-{id}`. The Link header pages by notification id.
"""

from __future__ import annotations

from aiohttp import web

from node import routing
from node.api.notifications import DEFAULT_LIMIT, MAX_LIMIT, READ, WRITE, selection
from node.auth import Auth, authenticated
from node.entities.account import serialize_account
from node.entities.notification import render_grouped
from node.errors import bad_request, not_found
from node.keys import CONFIG, DB
from node.pagination import paginate, read_limit, read_page
from node.params import Params, read_params
from storage import accounts, markers, notification_queries, notifications
from storage.notification_queries import effective_key
from storage.timelines import Page

COUNT_LIMIT, MAX_COUNT_LIMIT = 100, 1000
ACCOUNTS_LIMIT, MAX_ACCOUNTS_LIMIT = 40, 80

def _grouped_types(params: Params) -> tuple[str, ...] | None:
    """None (absent or empty) means every type that groups, as in Mastodon."""
    return tuple(str(t) for t in params.list("grouped_types")) or None


def _partial_avatars(params: Params) -> bool:
    value = params.str("expand_accounts") or "full"
    if value not in ("full", "partial_avatars"):
        raise bad_request(f"Invalid value for 'expand_accounts': '{value}', "
                          "allowed values are 'full' and 'partial_avatars'")
    return value == "partial_avatars"


@authenticated(*READ)
async def list_groups(request: web.Request, auth: Auth) -> web.Response:
    params = await read_params(request)
    partial = _partial_avatars(params)
    grouped = _grouped_types(params)
    db = request.app[DB]
    page = read_page(request, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)
    heads = await notification_queries.list_group_heads(db, auth.account_id, selection(params), page, grouped)
    keys = [h.group_key for h in heads if effective_key(h, grouped) == h.group_key]
    groups = await notification_queries.load_groups(
        db, auth.account_id, keys, upto=heads[0].id if heads else None,
        page_from=heads[-1].id if heads else None)
    body = await render_grouped(request.app, heads, groups, auth.account_id, grouped_types=grouped,
                                partial_avatars=partial)
    return web.json_response(body, headers=paginate(request, [h.id for h in heads]))


@authenticated(*READ)
async def show_group(request: web.Request, auth: Auth) -> web.Response:
    key = request.match_info["group_key"]
    db = request.app[DB]
    head = await notification_queries.latest_in_group(db, auth.account_id, key)
    if head is None:
        raise not_found()
    groups = await notification_queries.load_groups(db, auth.account_id, [head.group_key])
    # `ungrouped-{id}` of a type that groups: that one notification, alone
    alone = key != head.group_key
    body = await render_grouped(request.app, [head], groups, auth.account_id, paginated=False,
                                grouped_types=() if alone else None)
    if not body["notification_groups"]:
        raise not_found()
    return web.json_response(body)


@authenticated(*WRITE)
async def dismiss_group(request: web.Request, auth: Auth) -> web.Response:
    await notifications.dismiss_group(request.app[DB], auth.account_id, request.match_info["group_key"])
    return web.json_response({})


@authenticated(*READ)
async def group_accounts(request: web.Request, auth: Auth) -> web.Response:
    db = request.app[DB]
    page = read_page(request, default_limit=ACCOUNTS_LIMIT, max_limit=MAX_ACCOUNTS_LIMIT)
    rows = await notification_queries.group_members(db, auth.account_id, request.match_info["group_key"], page)
    if not rows and page == Page(limit=page.limit):
        raise not_found()
    found = await accounts.get_accounts(db, [r.from_account_id for r in rows])
    config = request.app[CONFIG]
    body = [serialize_account(found[r.from_account_id], config) for r in rows if r.from_account_id in found]
    return web.json_response(body, headers=paginate(request, [r.id for r in rows]))


@authenticated(*READ)
async def unread_count(request: web.Request, auth: Auth) -> web.Response:
    """Groups with a notification newer than the marker, at most `limit`."""
    params = await read_params(request)
    db = request.app[DB]
    marker = await markers.last_read_id(db, auth.account_id, "notifications")
    limit = read_limit(request, COUNT_LIMIT, MAX_COUNT_LIMIT)
    page = Page(limit=limit, min_id=marker if marker is not None else 0)
    heads = await notification_queries.list_group_heads(
        db, auth.account_id, selection(params), page, _grouped_types(params))
    return web.json_response({"count": len(heads)})


def routes() -> list[web.RouteDef]:
    base = "/api/v2/notifications"
    return [
        routing.get(base, list_groups),
        routing.get(f"{base}/unread_count", unread_count),
        routing.get(f"{base}/{{group_key}}", show_group),
        routing.get(f"{base}/{{group_key}}/accounts", group_accounts),
        routing.post(f"{base}/{{group_key}}/dismiss", dismiss_group),
    ]
