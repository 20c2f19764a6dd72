"""The one flat route table: every module's routes, in one list."""

from __future__ import annotations

from aiohttp import web

from node.api import instance


def all_routes() -> list[web.RouteDef]:
    return [
        *instance.routes(),
    ]
