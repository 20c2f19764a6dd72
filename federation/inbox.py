"""The inbox: `POST /users/{username}/inbox` and the shared `POST /inbox`.

In order, each refusal before anything is stored: federation on (404),
recipient known (404), a signature header at all (401, before the body is
read), an ActivityPub media type in UTF-8 (415), body size (413, from
Content-Length and while reading), JSON with bounded depth and sizes, no
BOM or UTF-16/32 and no lone surrogates, an activity shape
(`federation.shapes`; 400/415, see `federation.inbox_body`), a signature from a key on a permitted host (401/403, see
`federation.verify`), key owner equals `actor` (401), object ids on the
actor's origin (403). Then the row is stored once per activity id and the
answer is 202 (also for a duplicate); `federation.inbox_processing`
applies it after.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from federation.actors import ActorError, check_host
from federation.context import FEDERATION, Federation
from federation.inbox_body import BodyError, check_media_type, parse_activity, read_body
from federation.peers import url_host
from federation.verify import SignedRequestError, verify_signed
from storage import inbox as store
from storage.accounts import find_account_by_uri, find_local_account

logger = logging.getLogger(__name__)

ORIGIN_CHECKED = frozenset({"Create", "Update", "Delete"})


class InboxError(BodyError):
    """A refusal of the inbox itself (after the body's, which share its shape):
    `reason` (a code, when there is one) and `host` feed the compliance
    figures' count of refusals."""

    def __init__(self, status: int, message: str, reason: str = "", host: str = "") -> None:
        super().__init__(status, message)
        self.reason, self.host = reason, host


@dataclass(frozen=True, slots=True)
class Envelope:
    activity_id: str
    kind: str
    actor: str
    host: str


def error_response(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def object_id(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def envelope(activity: dict[str, Any]) -> Envelope:
    """The activity's id, type and actor; 400 when any is missing or off-origin."""
    activity_id, kind, actor = object_id(activity), activity.get("type"), object_id(activity.get("actor"))
    host = url_host(actor)
    if not isinstance(kind, str) or not kind or not host or not activity_id:
        raise InboxError(400, "an activity needs an id, a type and an actor")
    if url_host(activity_id) != host:
        raise InboxError(400, "the activity id is not on the actor's host")
    return Envelope(activity_id, kind, actor, host)


def check_origin(env: Envelope, activity: dict[str, Any]) -> None:
    """Create, Update and Delete only of the actor's own objects (403)."""
    if env.kind not in ORIGIN_CHECKED:
        return
    obj = activity.get("object")
    target = object_id(obj)
    if not target or url_host(target) != env.host:
        raise InboxError(403, f"{env.kind} of an object not on {env.host}", "origin", env.host)
    if isinstance(obj, dict) and "attributedTo" in obj and object_id(obj["attributedTo"]) != env.actor:
        raise InboxError(403, f"{env.kind} of an object attributed to another actor", "origin", env.host)


async def _recipient(fed: Federation, request: web.Request) -> int | None:
    username = request.match_info.get("username")
    if username is None:
        return None
    account = await find_local_account(fed.db, username)
    if account is None:
        raise InboxError(404, "no such account")
    return account.id


async def _accept(fed: Federation, request: web.Request) -> bool:
    """Every check, then store; True when stored now (False: a duplicate)."""
    recipient_id = await _recipient(fed, request)
    if "Signature" not in request.headers and "Signature-Input" not in request.headers:
        raise InboxError(401, "a valid HTTP signature is required")
    check_media_type(request.headers)
    body = await read_body(request, fed.settings.max_body_bytes)
    activity, text = parse_activity(body)
    env = envelope(activity)
    if await _farewell_of_a_stranger(fed, env, activity):
        return False
    try:
        signed = await verify_signed(fed, "POST", fed.settings.base_url + request.raw_path,
                                     request.headers, body)
    except SignedRequestError as exc:
        logger.info("inbox refused %s from %s: %s", env.activity_id, env.host, exc)
        raise InboxError(exc.status, exc.message, exc.reason, env.host) from None
    if signed.account.uri != env.actor:
        raise InboxError(401, "the signing key's owner is not the activity's actor", "actor_mismatch", env.host)
    check_origin(env, activity)
    return await store.store_activity(fed.db, store.NewInboxActivity(
        fed.ids.next_id(), env.activity_id, env.actor, env.host, recipient_id, text))


async def _farewell_of_a_stranger(fed: Federation, env: Envelope, activity: dict[str, Any]) -> bool:
    """A permitted peer's Delete of an actor this node never stored.

    Its signature cannot be checked (the actor document is gone, 410) and
    there is nothing to delete, so, as Mastodon does, it is answered 202
    and dropped without a fetch, rather than refused and retried by the
    sender for days. An unpermitted host still gets its 403.
    """
    if env.kind != "Delete" or object_id(activity.get("object")) != env.actor:
        return False
    if await find_account_by_uri(fed.db, env.actor) is not None:
        return False
    try:
        await check_host(fed, env.actor, recent=True)
    except ActorError as exc:
        status = 403 if exc.reason == "not_permitted" else 401
        raise InboxError(status, exc.detail or exc.reason, exc.reason, env.host) from None
    logger.info("dropped Delete of unknown actor %s", env.actor)
    return True


async def inbox_post(request: web.Request) -> web.Response:
    fed = request.app.get(FEDERATION)
    if fed is None:
        return error_response(404, "federation is off on this node")
    try:
        stored = await _accept(fed, request)
    except InboxError as exc:
        fed.refusals.count_status("inbound", exc.status, exc.reason, exc.host)
        return error_response(exc.status, exc.message)
    except BodyError as exc:
        return error_response(exc.status, exc.message)
    if stored:
        fed.pace.accepted()
        fed.wake.set()
    return web.Response(status=202)
