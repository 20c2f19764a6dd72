"""Public HTML pages that need no account: the front page and static files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aiohttp import web

from node import html, routing
from node.keys import CONFIG, DB
from storage import stats


async def front_page(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    counts = await stats.node_counts(request.app[DB])
    body = html.render(
        "front.html", name=config.node.name, description=config.node.description,
        users=counts["user_count"], statuses=counts["status_count"], domain=config.node.domain,
    )
    return html.page(config, config.node.name, body)


def static_dir() -> Path:
    return Path(str(resources.files("node").joinpath("static")))


def routes() -> list[web.AbstractRouteDef]:
    return [
        routing.get("/", front_page),
        web.static("/static", static_dir(), show_index=False),
    ]
