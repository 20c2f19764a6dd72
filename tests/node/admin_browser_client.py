"""A cookie-keeping HTTP client that uses the admin pages as a browser would."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import unquote

import aiohttp

from tests.conftest import Node

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BROWSER_ACCEPT = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@dataclass
class Reply:
    status: int
    text: str
    location: str


class PageClient:
    """Signs in through /auth/sign_in and posts forms with the page's CSRF token."""

    def __init__(self, node: Node, http: aiohttp.ClientSession) -> None:
        self.node, self.http = node, http

    async def get(self, path: str) -> Reply:
        # A browser asks for HTML: a dead link then gets the node's HTML 404, not the API's JSON.
        async with self.http.get(self.node.url(path), allow_redirects=False, headers=BROWSER_ACCEPT) as resp:
            return Reply(resp.status, await resp.text(), resp.headers.get("Location", ""))

    async def csrf(self, path: str = "/auth/sign_in") -> str:
        found = _CSRF.search((await self.get(path)).text)
        assert found is not None, f"no CSRF token on {path}"
        return found.group(1)

    async def post(self, path: str, data: dict[str, str], *, token: str | None = "page") -> Reply:
        """POST a form; `token="page"` takes it from the admin page, None sends none."""
        form = dict(data)
        if token == "page":
            form["csrf_token"] = await self.csrf("/admin/audit")
        elif token is not None:
            form["csrf_token"] = token
        async with self.http.post(self.node.url(path), data=form, allow_redirects=False) as resp:
            return Reply(resp.status, await resp.text(), resp.headers.get("Location", ""))

    async def sign_in(self, login: str, password: str = "correct horse") -> Reply:
        token = await self.csrf("/auth/sign_in")
        return await self.post("/auth/sign_in", {"login": login, "password": password, "next": "/admin"},
                               token=token)

    def flash(self) -> str:
        """The flash notice the last redirect set (what the next page shows once)."""
        for cookie in self.http.cookie_jar:
            if cookie.key == "admin_flash":
                return unquote(cookie.value)
        return ""


def text_of(page: str) -> str:
    """The page's text without tags, entities decoded: what a reader sees."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
