"""Which stream a request names, and whether its token may read it.

As Mastodon's streaming server: the user, notification, list and direct
streams need a user token with `read` or `read:statuses` (`read:notifications`
for `user:notification`); the public and hashtag streams are open to
visitors here because this node's public timelines are
(`node/api/timelines.py` serves them with `optional_auth`), but a token,
when sent, must be valid and scoped.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from aiohttp import web

from node import scopes
from node.api.path_ids import parse_id
from node.auth import Auth, auth_for_token, bearer_token
from node.keys import DB
from node.streaming.broker import STREAM_NAMES, USER_STREAMS, Stream
from storage import timelines


class StreamRefused(Exception):
    """A stream the client may not have: Mastodon's status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def stream_token(request: web.Request) -> str | None:
    """Authorization, `access_token`, or (browsers' WebSocket) the protocol header."""
    protocol = request.headers.get("Sec-WebSocket-Protocol", "").split(",")[0].strip()
    return bearer_token(request) or protocol or None


async def stream_auth(request: web.Request) -> Auth | None:
    token = stream_token(request)
    return await auth_for_token(request.app[DB], token) if token else None


def parse_stream(name: str, params: Mapping[str, str]) -> Stream:
    if name not in STREAM_NAMES:
        raise StreamRefused(400, "Unknown stream type")
    if name.startswith("hashtag"):
        tag = str(params.get("tag") or "").strip().lstrip("#")
        if not tag:
            raise StreamRefused(400, "No tag for stream provided")
        return Stream(name, tag=tag.lower())
    if name == "list":
        list_id = parse_id(params.get("list"))
        if list_id is None:
            raise StreamRefused(400, "No list for stream provided")
        return Stream(name, list_id=list_id)
    return Stream(name)


def _needed(stream: Stream) -> tuple[str, ...]:
    if stream.name == "user:notification":
        return ("read", "read:notifications")
    return ("read", "read:statuses", "read:lists") if stream.name == "list" else ("read", "read:statuses")


async def check_access(app: web.Application, auth: Auth | None, stream: Stream) -> None:
    if auth is None:
        if stream.name in USER_STREAMS:
            raise StreamRefused(401, "Missing access token")
        return
    if not scopes.allows_any(auth.scopes, _needed(stream)):
        raise StreamRefused(401, "Access token does not have the required scopes")
    if stream.name in USER_STREAMS and auth.account is None:
        raise StreamRefused(401, "This stream requires an authenticated user")
    if stream.list_id is not None and await timelines.list_replies_policy(
            app[DB], stream.list_id, auth.account_id) is None:
        raise StreamRefused(401, "Not authorized to stream this list")


class TokenWatch:
    """Whether the token a stream was opened with still signs in, asked at
    most once per `every` seconds: a password reset, a revoked token, a
    suspension or a deleted account ends the stream within that time, in whichever process
    holds it (the database is the truth they share)."""

    def __init__(self, request: web.Request, auth: Auth | None, every: float) -> None:
        self._db = request.app[DB]
        self._token = stream_token(request) if auth is not None else None
        self._every = every
        self._checked = time.monotonic()

    async def revoked(self) -> bool:
        if self._token is None or time.monotonic() - self._checked < self._every:
            return False
        self._checked = time.monotonic()
        try:
            await auth_for_token(self._db, self._token)
        except web.HTTPException:  # 401 revoked, 403 disabled or suspended
            return True
        return False
