"""Route helpers: every API path answers with and without a trailing slash.

Mastodon.py asks for `/api/v1/instance/`; a redirect would lose POST bodies
in some clients, so each route matches an optional slash instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def route(method: str, path: str, handler: Handler) -> web.RouteDef:
    if path != "/":
        path += "{_slash:/?}"
    return web.route(method, path, handler)


def get(path: str, handler: Handler) -> web.RouteDef:
    return route("GET", path, handler)


def post(path: str, handler: Handler) -> web.RouteDef:
    return route("POST", path, handler)


def put(path: str, handler: Handler) -> web.RouteDef:
    return route("PUT", path, handler)


def patch(path: str, handler: Handler) -> web.RouteDef:
    return route("PATCH", path, handler)


def delete(path: str, handler: Handler) -> web.RouteDef:
    return route("DELETE", path, handler)
