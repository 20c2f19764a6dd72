"""Mastodon's streaming API: a health check, one WebSocket, and server-sent
events per stream, all on the node's own address (`urls.streaming_api`).

WebSocket: `GET /api/v1/streaming` (token as `access_token`, the
Authorization header, or `Sec-WebSocket-Protocol`; an initial `?stream=`),
then `{"type": "subscribe"|"unsubscribe", "stream": ..., "tag"|"list": ...}`
messages; each event is `{"stream": [...], "event": ..., "payload": "<json>"}`.
Server-sent events: `GET /api/v1/streaming/<stream path>`, `event:`/`data:`
pairs and a `:thump` comment every `HEARTBEAT_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from node import routing
from node.auth import Auth
from node.errors import json_error
from node.streaming.access import (StreamRefused, TokenWatch, check_access, parse_stream, stream_auth,
                                   stream_token)
from node.streaming.broker import Connection, Stream
from node.streaming.events import NOTIFIED_STREAMS
from node.streaming.port import STREAMING
from node.streaming.runtime import start_tail

HEARTBEAT_SECONDS = 15.0

# SSE paths (after /api/v1/streaming/) and the stream each names.
SSE_PATHS = {
    "user": "user", "user/notification": "user:notification", "public": "public",
    "public/local": "public:local", "public/remote": "public:remote", "hashtag": "hashtag",
    "hashtag/local": "hashtag:local", "list": "list", "direct": "direct",
}


async def health(request: web.Request) -> web.Response:
    return web.Response(text="OK", headers={"Access-Control-Allow-Origin": "*"})


async def _open(request: web.Request, auth: Auth | None, stream: Stream, conn: Connection) -> None:
    """Check and subscribe; StreamRefused if this token may not read `stream`."""
    await check_access(request.app, auth, stream)
    streaming = request.app[STREAMING]
    streaming.broker.subscribe(conn, stream)
    if stream.name in NOTIFIED_STREAMS:
        await start_tail(request.app, streaming)


def _connect(request: web.Request, auth: Auth | None) -> Connection:
    viewer = auth.account.id if auth is not None and auth.account is not None else None
    return request.app[STREAMING].broker.connect(viewer, auth.scopes if auth else frozenset())


def sse_handler(name: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        auth = await stream_auth(request)
        if name == "public" and request.query.get("only_media") in ("1", "true"):
            stream = Stream("public:media")
        else:
            stream = _or_http_error(lambda: parse_stream(name, request.query))
        conn = _connect(request, auth)
        try:
            try:
                await _open(request, auth, stream, conn)
            except StreamRefused as refused:
                raise json_error(refused.status, refused.message) from None
            return await _serve_sse(request, conn, TokenWatch(request, auth, HEARTBEAT_SECONDS))
        finally:
            request.app[STREAMING].broker.disconnect(conn)
    return handler


def _or_http_error(fn: Callable[[], Stream]) -> Stream:
    try:
        return fn()
    except StreamRefused as refused:
        raise json_error(refused.status, refused.message) from None


async def _serve_sse(request: web.Request, conn: Connection, watch: TokenWatch) -> web.StreamResponse:
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream", "Cache-Control": "no-store",
        "Access-Control-Allow-Origin": "*", "X-Accel-Buffering": "no"})
    await response.prepare(request)
    await response.write(b":)\n")
    with contextlib.suppress(ConnectionError):
        while not conn.closed and not await watch.revoked():
            message = await conn.next(HEARTBEAT_SECONDS)
            if message is not None:
                await response.write(f"event: {message.event}\ndata: {message.payload}\n\n".encode())
            elif not conn.closed:
                await response.write(b":thump\n")
    return response


async def websocket(request: web.Request) -> web.StreamResponse:
    auth = await stream_auth(request)
    initial = request.query.get("stream")
    first = _or_http_error(lambda: parse_stream(initial, request.query)) if initial else None
    protocol = request.headers.get("Sec-WebSocket-Protocol", "").split(",")[0].strip()
    ws = web.WebSocketResponse(protocols=(protocol,) if protocol and protocol == stream_token(request) else (),
                               heartbeat=HEARTBEAT_SECONDS * 2)
    conn = _connect(request, auth)
    broker = request.app[STREAMING].broker
    try:
        if first is not None:
            try:
                await _open(request, auth, first, conn)
            except StreamRefused as refused:
                raise json_error(refused.status, refused.message) from None
        await ws.prepare(request)
        pump = asyncio.create_task(_pump(ws, conn, TokenWatch(request, auth, HEARTBEAT_SECONDS)))
        try:
            async for msg in ws:
                if msg.type == web.WSMsgType.TEXT:
                    await _client_message(request, ws, auth, conn, msg.data)
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
    finally:
        broker.disconnect(conn)
    return ws


async def _pump(ws: web.WebSocketResponse, conn: Connection, watch: TokenWatch) -> None:
    """Send queued messages; close the socket once the broker drops the client
    or its token no longer signs in."""
    with contextlib.suppress(ConnectionError):
        while True:
            if await watch.revoked():
                await ws.close(code=1008, message=b"access token revoked")  # 1008: policy violation
                return
            message = await conn.next(HEARTBEAT_SECONDS)
            if message is not None:
                await ws.send_str(json.dumps(
                    {"stream": message.stream.label(), "event": message.event, "payload": message.payload}))
            elif conn.closed:
                await ws.close(code=1013, message=b"too slow")  # 1013: try again later
                return


async def _client_message(request: web.Request, ws: web.WebSocketResponse, auth: Auth | None,
                          conn: Connection, text: str) -> None:
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict) or data.get("type") not in ("subscribe", "unsubscribe"):
        return  # Mastodon ignores what it does not understand
    params = {k: str(v) for k, v in data.items() if k in ("tag", "list")}
    try:
        stream = parse_stream(str(data.get("stream", "")), params)
        if data["type"] == "subscribe":
            await _open(request, auth, stream, conn)
        else:
            request.app[STREAMING].broker.unsubscribe(conn, stream)
    except StreamRefused as refused:
        await ws.send_str(json.dumps({"error": refused.message, "status": refused.status}))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/streaming/health", health),
        routing.get("/api/v1/streaming", websocket),
        *(routing.get(f"/api/v1/streaming/{path}", sse_handler(name)) for path, name in SSE_PATHS.items()),
    ]
