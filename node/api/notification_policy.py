"""The notification policy: `GET/PATCH /api/v1/notifications/policy`
(Mastodon 4.3's v1 booleans) and `/api/v2/notifications/policy`
(`accept`, `filter` or `drop` for each of for_not_following,
for_not_followers, for_new_accounts, for_private_mentions,
for_limited_accounts), each with the `summary` of pending requests.

A v1 boolean sets `filter` (true) or `accept` (false), and reads true only
for `filter`, as Mastodon's compatibility helpers. What each policy does
to a new notification is `storage.notification_filter`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import routing
from node.auth import Auth, authenticated
from node.errors import unprocessable
from node.keys import DB
from node.params import read_params
from storage import notification_requests
from storage.notification_filter import ACTIONS, POLICY_FIELDS, get_policy

READ = ("read", "read:notifications")
WRITE = ("write", "write:notifications")
V1_FIELDS = {"filter_not_following": "for_not_following", "filter_not_followers": "for_not_followers",
             "filter_new_accounts": "for_new_accounts", "filter_private_mentions": "for_private_mentions"}


async def _policy_body(request: web.Request, account_id: int, *, v1: bool) -> dict[str, Any]:
    policy = await get_policy(request.app[DB], account_id)
    requests, notifications = await notification_requests.summary(request.app[DB], account_id)
    if v1:
        body: dict[str, Any] = {name: getattr(policy, field) == "filter" for name, field in V1_FIELDS.items()}
    else:
        body = {field: getattr(policy, field) for field in POLICY_FIELDS}
    body["summary"] = {"pending_requests_count": requests, "pending_notifications_count": notifications}
    return body


@authenticated(*READ)
async def show_v1(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response(await _policy_body(request, auth.account_id, v1=True))


@authenticated(*READ)
async def show_v2(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response(await _policy_body(request, auth.account_id, v1=False))


@authenticated(*WRITE)
async def update_v1(request: web.Request, auth: Auth) -> web.Response:
    params = await read_params(request)
    changes = {field: "filter" if params.bool(name) else "accept"
               for name, field in V1_FIELDS.items() if params.raw(name) is not None}
    await notification_requests.update_policy(request.app[DB], auth.account_id, changes)
    return web.json_response(await _policy_body(request, auth.account_id, v1=True))


@authenticated(*WRITE)
async def update_v2(request: web.Request, auth: Auth) -> web.Response:
    params = await read_params(request)
    changes: dict[str, str] = {}
    for field in POLICY_FIELDS:
        value = params.str(field)
        if value is None:
            continue
        if value not in ACTIONS:
            raise unprocessable(f"Validation failed: {field} must be one of {', '.join(ACTIONS)}")
        changes[field] = value
    await notification_requests.update_policy(request.app[DB], auth.account_id, changes)
    return web.json_response(await _policy_body(request, auth.account_id, v1=False))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/notifications/policy", show_v1),
        routing.patch("/api/v1/notifications/policy", update_v1),
        routing.get("/api/v2/notifications/policy", show_v2),
        routing.patch("/api/v2/notifications/policy", update_v2),
    ]
