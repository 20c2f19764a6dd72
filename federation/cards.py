"""Link preview cards: a page's OpenGraph (or <title>) from a permitted host.

Article 7(6): the permit gate is asked before the host is contacted, the
fetch goes through the SSRF-safe session (addresses checked at connect
time and on each redirect, body capped), and the page is parsed, never
run. A host without a permit gets no request at all.
"""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from urllib.parse import urljoin

from federation.actors import ActorError, check_host
from federation.context import Federation
from federation.fetch import FetchError, fetch_bytes
from federation.peers import url_host
from storage.cards import NewCard

logger = logging.getLogger(__name__)

MAX_PAGE_BYTES = 1_048_576  # the head of a page is enough; a huge page is refused
MAX_TEXT = {"title": 200, "description": 500, "provider_name": 100}


class _Head(HTMLParser):
    """Collects <meta property|name=... content=...> and the <title> text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta":
            key = (found.get("property") or found.get("name") or "").lower()
            if key and found.get("content") and key not in self.meta:
                self.meta[key] = str(found["content"])
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False if tag == "title" else self._in_title

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.title:
            self.title = data.strip()


def parse_card(url: str, html: str) -> NewCard | None:
    """The card a page describes; None without even a title."""
    head = _Head()
    head.feed(html)
    meta = head.meta
    title = meta.get("og:title") or meta.get("twitter:title") or head.title
    if not title.strip():
        return None
    image = meta.get("og:image") or meta.get("twitter:image")
    image = urljoin(url, image) if image else None
    return NewCard(
        url=url, title=title.strip()[:MAX_TEXT["title"]],
        description=(meta.get("og:description") or meta.get("description") or "").strip()[:MAX_TEXT["description"]],
        provider_name=(meta.get("og:site_name") or "").strip()[:MAX_TEXT["provider_name"]],
        image_url=image if image and image.startswith(("https://", "http://")) else None,
        width=_int(meta.get("og:image:width")), height=_int(meta.get("og:image:height")))


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 6 else 0


async def fetch_card(fed: Federation, url: str) -> NewCard | None:
    """The preview card of `url`, or None (no permit, not HTML, no title, a failure)."""
    if url_host(url) == fed.settings.domain.lower():
        return None  # our own pages: nothing to preview from outside
    try:
        await check_host(fed, url)
        fetched = await fetch_bytes(fed.session, url, headers={"Accept": "text/html"},
                                    max_bytes=MAX_PAGE_BYTES)
    except (ActorError, FetchError) as exc:
        logger.info("no preview card for %s: %s", url, exc)
        return None
    if not fetched.content_type.lower().startswith(("text/html", "application/xhtml+xml")):
        return None
    return parse_card(fetched.url, fetched.body.decode("utf-8", "replace"))
