"""False information (article 7(5)): placeholder until the corrections slice lands."""

from __future__ import annotations

from aiohttp import web


def routes() -> list[web.RouteDef]:
    return []
