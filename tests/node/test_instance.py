"""The instance documents clients read at start-up, and the permit in them."""

from __future__ import annotations

import aiohttp

from tests.conftest import Node
from tests.openapi import assert_matches


async def test_instance_v2_shows_permit_and_matches_mastodon(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a node with a permit
    # When a client reads /api/v2/instance
    async with http.get(node.url("/api/v2/instance")) as resp:
        body = await resp.json()
    # Then it is Mastodon's shape and carries the permit (article 6)
    assert resp.status == 200
    assert body["permit"]["permit"] == "京ICP备12345678号-1"
    assert body["version"].startswith("4.3.0 (compatible; permitted-node ")
    assert_matches("/api/v2/instance", "get", 200, body)


async def test_instance_v1_with_trailing_slash(node: Node, http: aiohttp.ClientSession) -> None:
    async with http.get(node.url("/api/v1/instance/")) as resp:
        body = await resp.json()
    assert resp.status == 200
    assert body["uri"] == node.config.node.domain
    assert body["permit"]["permit"] == "京ICP备12345678号-1"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


async def test_nodeinfo_metadata_carries_permit(node: Node, http: aiohttp.ClientSession) -> None:
    async with http.get(node.url("/.well-known/nodeinfo")) as resp:
        links = await resp.json()
    hrefs = [link["href"] for link in links["links"]]
    assert hrefs[-1].endswith("/nodeinfo/2.1")
    for href in hrefs:
        async with http.get(href) as resp:
            info = await resp.json()
        assert info["metadata"]["permit"] == "京ICP备12345678号-1"
        assert info["protocols"] == ["activitypub"]


async def test_unknown_api_route_is_json_404(node: Node, http: aiohttp.ClientSession) -> None:
    async with http.get(node.url("/api/v1/nothing-here")) as resp:
        assert resp.status == 404
        assert await resp.json() == {"error": "Not found"}


async def test_front_page_footer_shows_permit(node: Node, http: aiohttp.ClientSession) -> None:
    # Article 6: every HTML page shows the permit in its footer
    async with http.get(node.url("/")) as resp:
        page = await resp.text()
    assert resp.status == 200 and resp.content_type == "text/html"
    assert '<span id="permit">京ICP备12345678号-1</span>' in page
