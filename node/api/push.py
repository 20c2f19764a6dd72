"""Mastodon's Web Push subscription API: `/api/v1/push/subscription`.

One subscription per access token (POST replaces it, GET/PUT/DELETE act
on it), the `push` scope. The bearer token is kept encrypted under the
node's vault key so the push payload can carry `access_token`, as
Mastodon's does, while tokens themselves stay stored as hashes.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from yarl import URL

from node import routing
from node.auth import Auth, authenticated, bearer_token
from node.errors import bad_request, not_found, unprocessable
from node.keys import DB, IDENTITY, IDS, WEB_PUSH
from node.params import Params, read_params
from node.push_setup import token_associated
from node.web_push import PushKeyError, check_client_keys
from storage import push_subscriptions
from storage.push_subscriptions import NewSubscription, PushSubscriptionRow
from storage.web_push_queue import POLICIES

ALERTS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll", "update",
          "admin.sign_up", "admin.report", "quote", "quoted_update")
STAFF_ALERTS = frozenset({"admin.sign_up", "admin.report"})
MAX_ENDPOINT = 2048


def serialize_subscription(row: PushSubscriptionRow, server_key: str) -> dict[str, Any]:
    stored = row.alerts
    return {
        "id": str(row.id),
        "endpoint": row.endpoint,
        "standard": bool(row.standard),
        "alerts": {kind: stored.get(kind, False) for kind in ALERTS},
        "policy": row.policy,
        "server_key": server_key,
    }


def _nested(params: Params, *path: str) -> Any:
    """`a[b][c]` from a form, or {"a": {"b": {"c": ...}}} from JSON."""
    value: Any = params.raw(path[0])
    for key in path[1:]:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        value = params.raw(path[0] + "".join(f"[{key}]" for key in path[1:]))
    return value


def _text(params: Params, *path: str) -> str:
    value = _nested(params, *path)
    if value is None or value == "":
        raise bad_request(f"param is missing or the value is empty: {path[0]}")
    if not isinstance(value, str):
        raise unprocessable(f"Validation failed: {'.'.join(path)} must be a string")
    return value.strip()


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "on", "yes", "t"):
        return True
    if text in ("false", "0", "off", "no", "f", ""):
        return False
    raise unprocessable(f"Validation failed: data.alerts.{name} must be a boolean")


def read_alerts(params: Params, auth: Auth) -> dict[str, bool] | None:
    """`data[alerts][kind]`: None when none was sent; admin alerts need staff."""
    given = _nested(params, "data", "alerts")
    if not isinstance(given, dict):
        given = {k[len("data[alerts]["):-1]: v for k, v in params.items_with_prefix("data[alerts][").items()
                 if k.endswith("]")}
    if not given:
        return None
    alerts = {kind: _flag(value, kind) for kind, value in given.items() if kind in ALERTS}
    if not auth.is_staff:
        alerts = {k: v and k not in STAFF_ALERTS for k, v in alerts.items()}
    return alerts


def read_policy(params: Params) -> str | None:
    """`data[policy]`; a top-level `policy` too (what Mastodon.py sends)."""
    value = _nested(params, "data", "policy")
    if value is None:
        value = params.raw("policy")
    if value is None or value == "":
        return None
    if value not in POLICIES:
        raise unprocessable("Validation failed: Policy is not included in the list")
    return str(value)


def check_endpoint(endpoint: str) -> str:
    try:
        url = URL(endpoint)
    except (ValueError, TypeError):
        url = None
    if (url is None or url.scheme not in ("http", "https") or not url.host or url.user is not None
            or len(endpoint) > MAX_ENDPOINT):
        raise unprocessable("Validation failed: Endpoint is not a valid URL")
    return endpoint


@authenticated("push")
async def create_subscription(request: web.Request, auth: Auth) -> web.Response:
    params = await read_params(request)
    endpoint = check_endpoint(_text(params, "subscription", "endpoint"))
    p256dh = _text(params, "subscription", "keys", "p256dh")
    secret = _text(params, "subscription", "keys", "auth")
    try:
        check_client_keys(p256dh, secret)
    except PushKeyError as exc:
        raise unprocessable(f"Validation failed: {exc}") from None
    standard = _nested(params, "subscription", "standard")
    sub_id = request.app[IDS].next_id()
    token = bearer_token(request) or ""
    blob = request.app[IDENTITY].current().encrypt(token, token_associated(sub_id))
    row = await push_subscriptions.replace_subscription(request.app[DB], NewSubscription(
        id=sub_id, account_id=auth.account_id, token_id=auth.token_id, endpoint=endpoint, key_p256dh=p256dh,
        key_auth=secret, standard=standard is not None and _flag(standard, "standard"),
        alerts=read_alerts(params, auth) or {}, policy=read_policy(params) or "all", access_token_blob=blob))
    return web.json_response(serialize_subscription(row, request.app[WEB_PUSH].keys.public_key))


@authenticated("push")
async def show_subscription(request: web.Request, auth: Auth) -> web.Response:
    row = await push_subscriptions.subscription_for_token(request.app[DB], auth.token_id)
    if row is None:
        raise not_found()
    return web.json_response(serialize_subscription(row, request.app[WEB_PUSH].keys.public_key))


@authenticated("push")
async def update_subscription(request: web.Request, auth: Auth) -> web.Response:
    params = await read_params(request)
    row = await push_subscriptions.update_data(request.app[DB], auth.token_id, read_alerts(params, auth) or {},
                                               read_policy(params) or "all")
    if row is None:
        raise not_found()
    return web.json_response(serialize_subscription(row, request.app[WEB_PUSH].keys.public_key))


@authenticated("push")
async def delete_subscription(request: web.Request, auth: Auth) -> web.Response:
    await push_subscriptions.delete_for_token(request.app[DB], auth.token_id)
    return web.json_response({})


def routes() -> list[web.RouteDef]:
    return [
        routing.post("/api/v1/push/subscription", create_subscription),
        routing.get("/api/v1/push/subscription", show_subscription),
        routing.put("/api/v1/push/subscription", update_subscription),
        routing.delete("/api/v1/push/subscription", delete_subscription),
    ]
