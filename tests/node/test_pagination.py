"""Mastodon paging: max_id, since_id, min_id, limit and the Link header."""

from __future__ import annotations

import re

import aiohttp

from node.keys import DB
from tests.conftest import Node, Session
from tests.node.test_statuses import follow, post

LINK = re.compile(r'<([^>]+)>; rel="(next|prev)"')


async def page(http: aiohttp.ClientSession, url: str, who: Session) -> tuple[list[str], dict[str, str]]:
    async with http.get(url, headers=who.headers) as resp:
        assert resp.status == 200
        body = await resp.json()
        links = {rel: target for target, rel in LINK.findall(resp.headers.get("Link", ""))}
        return [s["id"] for s in body], links


async def seed(node: Node, http: aiohttp.ClientSession, count: int) -> tuple[Session, list[str]]:
    """A reader following a writer of `count` statuses; their ids newest first."""
    reader, writer = await node.account("reader"), await node.account("writer")
    await follow(node, reader, writer)
    made = [(await post(http, node, writer, status=f"status {i}"))["id"] for i in range(count)]
    return reader, made[::-1]


async def test_walking_next_links_sees_every_status_once(node: Node, http: aiohttp.ClientSession) -> None:
    # Given 23 statuses in the reader's home
    reader, expected = await seed(node, http, 23)
    # When a client follows rel="next" from the first page of 5 until a page is empty
    seen: list[str] = []
    url: str | None = node.url("/api/v1/timelines/home?limit=5")
    pages = 0
    while url:
        got, links = await page(http, url, reader)
        pages += 1
        if not got:
            # Then the empty page has no Link header at all
            assert links == {}
            break
        assert "limit=5" in links["next"] and f"min_id={got[0]}" in links["prev"]
        seen += got
        url = links["next"]
    # Then every status was seen exactly once, newest first
    assert seen == expected and pages == 6


async def test_since_id_and_min_id(node: Node, http: aiohttp.ClientSession) -> None:
    reader, expected = await seed(node, http, 10)
    home = node.url("/api/v1/timelines/home")
    oldest_first = expected[::-1]
    # min_id: the statuses immediately newer than it, returned newest first
    got, _ = await page(http, f"{home}?min_id={oldest_first[2]}&limit=3", reader)
    assert got == [oldest_first[5], oldest_first[4], oldest_first[3]]
    # since_id: the newest statuses, stopping at it
    got, _ = await page(http, f"{home}?since_id={oldest_first[2]}&limit=3", reader)
    assert got == expected[:3]
    # max_id: older than it
    got, _ = await page(http, f"{home}?max_id={expected[1]}&limit=2", reader)
    assert got == expected[2:4]
    # prev from a page gives the page just above it
    got, links = await page(http, f"{home}?max_id={expected[5]}&limit=3", reader)
    assert got == expected[6:9]
    got, _ = await page(http, links["prev"], reader)
    assert got == expected[3:6]


async def test_limit_is_clamped_to_40(node: Node, http: aiohttp.ClientSession) -> None:
    reader, expected = await seed(node, http, 45)
    got, _ = await page(http, node.url("/api/v1/timelines/home?limit=100"), reader)
    assert got == expected[:40]
    got, _ = await page(http, node.url("/api/v1/timelines/home"), reader)
    assert got == expected[:20]


async def test_favourites_page_by_favourite_id(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a reader who favourited 5 statuses, oldest status last
    reader, made = await seed(node, http, 5)
    for status_id in made:
        async with http.post(node.url(f"/api/v1/statuses/{status_id}/favourite"), headers=reader.headers) as r:
            assert r.status == 200
    fav_ids = [r[0] for r in await node.app[DB].fetchall("SELECT id FROM favourites ORDER BY id DESC")]
    # When the client pages through favourites 2 at a time
    got, links = await page(http, node.url("/api/v1/favourites?limit=2"), reader)
    # Then order is by favourite (the oldest status was favourited last) and Link pages by favourite id
    assert got == made[::-1][:2]
    assert links["next"].endswith(f"max_id={fav_ids[1]}") and f"min_id={fav_ids[0]}" in links["prev"]
    seen = got
    while links.get("next"):
        got, links = await page(http, links["next"], reader)
        seen += got
    assert seen == made[::-1]
