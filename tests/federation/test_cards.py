"""Link preview cards (article 7(6)): fetched after posting, only from a
host with a permit, parsed from OpenGraph; a host without one is never
contacted."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from node.cards import CARD_TASKS
from node.keys import DB, IDS
from policy.permits import add_permit, validate_entry
from tests.conftest import Node, Session
from tests.openapi import assert_matches

PAGE = """<!doctype html><html><head><title>plain title</title>
<meta property="og:title" content="Tea &amp; Cakes">
<meta property="og:description" content="A review of the tea house on the corner.">
<meta property="og:site_name" content="Corner News">
<meta property="og:image" content="/pictures/tea.jpg">
<meta property="og:image:width" content="640"><meta property="og:image:height" content="480">
</head><body><script>alert(1)</script>text</body></html>"""


@dataclass
class Site:
    host: str
    runner: web.AppRunner
    seen: list[str] = field(default_factory=list)


async def start_site(tmp_path: Path) -> Site:
    port = unused_port()
    site = Site(f"127.0.0.1:{port}", web.AppRunner(web.Application()))

    async def page(request: web.Request) -> web.Response:
        site.seen.append(request.path)
        if request.path.startswith("/.well-known/"):  # a web site, not a node: no NodeInfo
            raise web.HTTPNotFound()
        return web.Response(text=PAGE, content_type="text/html")

    site.runner.app.router.add_get("/{tail:.*}", page)
    await site.runner.setup()
    await web.TCPSite(site.runner, "127.0.0.1", port).start()
    return site


@pytest.fixture
async def sites(tmp_path: Path) -> AsyncIterator[tuple[Site, Site]]:
    permitted, other = await start_site(tmp_path), await start_site(tmp_path)
    yield permitted, other
    for site in (permitted, other):
        await site.runner.cleanup()


async def settled(node: Node) -> None:
    """Every background card fetch finished."""
    async with asyncio.timeout(10):
        while node.app[CARD_TASKS]:
            await asyncio.gather(*list(node.app[CARD_TASKS]), return_exceptions=True)


async def status(http: aiohttp.ClientSession, node: Node, who: Session, status_id: str) -> dict:
    async with http.get(node.url(f"/api/v1/statuses/{status_id}"), headers=who.headers) as resp:
        assert resp.status == 200
        return await resp.json()


async def test_cards_come_from_permitted_hosts_only(node: Node, http: aiohttp.ClientSession,
                                                     sites: tuple[Site, Site]) -> None:
    permitted, other = sites
    await add_permit(node.app[DB], node.app[IDS], validate_entry(permitted.host, "京ICP备55555555号-1"))
    alice = await node.account("alice", verified=True)
    # When alice links to a page on a permitted host
    async with http.post(node.url("/api/v1/statuses"), headers=alice.headers,
                         json={"status": f"worth reading: http://{permitted.host}/article/1"}) as resp:
        posted = await resp.json()
    assert posted["card"] is None  # the post is answered before the page is fetched
    await settled(node)
    # Then the status carries the page's card, from its OpenGraph tags
    shown = await status(http, node, alice, posted["id"])
    assert_matches("/api/v1/statuses/{id}", "get", 200, shown)
    card = shown["card"]
    assert (card["url"], card["title"], card["provider_name"]) == (
        f"http://{permitted.host}/article/1", "Tea & Cakes", "Corner News")
    assert card["description"].startswith("A review") and card["type"] == "link"
    assert (card["image"], card["width"], card["height"]) == (
        f"http://{permitted.host}/pictures/tea.jpg", 640, 480)
    assert [p for p in permitted.seen if not p.startswith("/.well-known/")] == ["/article/1"]
    # When she links to a host without a permit: no card, and the host never hears from us
    async with http.post(node.url("/api/v1/statuses"), headers=alice.headers,
                         json={"status": f"see http://{other.host}/spam"}) as resp:
        unpermitted = await resp.json()
    await settled(node)
    assert (await status(http, node, alice, unpermitted["id"]))["card"] is None
    assert other.seen == []
    # When she edits the link out, the card goes with it
    async with http.put(node.url(f"/api/v1/statuses/{posted['id']}"), headers=alice.headers,
                        json={"status": "changed my mind"}) as resp:
        assert resp.status == 200
    await settled(node)
    assert (await status(http, node, alice, posted["id"]))["card"] is None
