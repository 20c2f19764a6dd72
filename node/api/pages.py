"""Public HTML pages that need no account: the front page, the language switch, static files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from node import html, i18n, routing
from node.api.sign_in import safe_next
from node.keys import CONFIG, DB
from storage import stats

LOCALE_COOKIE_SECONDS = 365 * 86400


async def front_page(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    counts = await stats.node_counts(request.app[DB])
    body = html.render(
        "front.html", name=config.node.name, description=config.node.description,
        users=counts["user_count"], statuses=counts["status_count"], domain=config.node.domain,
    )
    return html.page(config, config.node.name, body)


async def switch_locale(request: web.Request) -> web.Response:
    """GET /locale?set=en: remember the language (a cookie) and go back to the page.

    Back means the Referer's path when it is a page of this node, else the
    front page; a language this node does not speak changes nothing.
    """
    wanted = request.query.get("set", "")
    referer = urlsplit(request.headers.get("Referer", ""))
    own = urlsplit(request.app[CONFIG].node.base_url)
    back = "/"
    if (referer.scheme, referer.netloc) == (own.scheme, own.netloc):
        back = safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    response = web.Response(status=303, headers={"Location": back, "Cache-Control": "no-store"})
    if wanted in i18n.LOCALES:
        response.set_cookie(i18n.COOKIE, wanted, max_age=LOCALE_COOKIE_SECONDS, path="/", samesite="Lax",
                            secure=own.scheme == "https")
    return response


def static_dir() -> Path:
    return Path(str(resources.files("node").joinpath("static")))


def routes() -> list[web.AbstractRouteDef]:
    return [
        routing.get("/", front_page),
        routing.get("/locale", switch_locale),
        web.static("/static", static_dir(), show_index=False),
    ]
