"""The /admin pages for announcements and custom emoji: every action taken
through the HTML forms, then checked through the client API a user's app
reads, so page and API cannot drift."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.conftest import Node, Session
from tests.node.admin_browser_client import PageClient, text_of
from tests.node.test_media import jpeg, png


@pytest.fixture
async def page(node: Node) -> AsyncIterator[PageClient]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield PageClient(node, http)


async def api(http: aiohttp.ClientSession, node: Node, who: Session, path: str) -> Any:
    async with http.get(node.url(path), headers=who.headers) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_announcements_are_written_published_and_deleted_from_the_page(
        node: Node, page: PageClient, http: aiohttp.ClientSession) -> None:
    # Given a moderator signed in to /admin, and alice
    await node.account("mod", role="moderator")
    alice = await node.account("alice")
    await page.sign_in("mod")
    # When the moderator writes a draft
    made = await page.post("/admin/announcements", {"text": "系统维护 maintenance at 22:00", "ends_at": "2026-12-31"})
    assert made.status == 303 and "Announcement saved" in page.flash()
    listing = await page.get("/admin/announcements")
    assert "系统维护 maintenance" in text_of(listing.text) and "Draft" in text_of(listing.text)
    assert await api(http, node, alice, "/api/v1/announcements") == []
    # And publishes it from the list
    announcement_id = listing.text.split('/admin/announcements/')[1].split('"')[0].split("/")[0]
    await page.post(f"/admin/announcements/{announcement_id}/publish", {})
    shown = await api(http, node, alice, "/api/v1/announcements")
    assert [a["id"] for a in shown] == [announcement_id] and shown[0]["ends_at"].startswith("2026-12-31")
    # And edits it through the edit form (a blank text is refused with the API's words)
    edit = await page.get(f"/admin/announcements/{announcement_id}")
    assert "Edit announcement" in text_of(edit.text)
    await page.post(f"/admin/announcements/{announcement_id}", {"text": "", "published": "true"})
    assert "Text can't be blank" in page.flash()
    await page.post(f"/admin/announcements/{announcement_id}", {"text": "rescheduled", "published": "true"})
    assert "<p>rescheduled</p>" == (await api(http, node, alice, "/api/v1/announcements"))[0]["content"]
    # Then deleting it removes it for everyone
    await page.post(f"/admin/announcements/{announcement_id}/delete", {})
    assert await api(http, node, alice, "/api/v1/announcements") == []
    assert "No announcements yet." in (await page.get("/admin/announcements")).text


async def test_custom_emoji_are_uploaded_and_managed_from_the_page(
        node: Node, page: PageClient, http: aiohttp.ClientSession) -> None:
    await node.account("root", role="admin")
    alice = await node.account("alice")
    await page.sign_in("root")

    async def upload(shortcode: str, data: bytes) -> str:
        form = aiohttp.FormData()
        form.add_field("csrf_token", await page.csrf("/admin/custom_emojis"))
        form.add_field("shortcode", shortcode)
        form.add_field("visible_in_picker", "true")
        form.add_field("file", data, filename="x.png", content_type="image/png")
        async with page.http.post(node.url("/admin/custom_emojis"), data=form, allow_redirects=False) as resp:
            assert resp.status == 303
        return page.flash()

    # When the admin uploads a PNG, and tries a JPEG
    assert "Saved" in await upload("blobcat", png())
    assert "PNG or GIF" in await upload("photo", jpeg())
    # Then the client API lists the PNG; the page shows it
    listed = await api(http, node, alice, "/api/v1/custom_emojis")
    assert [e["shortcode"] for e in listed] == ["blobcat"]
    listing = await page.get("/admin/custom_emojis")
    assert ":blobcat:" in text_of(listing.text)
    emoji_id = listing.text.split("/admin/custom_emojis/")[1].split("/")[0]
    # When it is hidden from the picker, then disabled, then deleted
    await page.post(f"/admin/custom_emojis/{emoji_id}/hide", {})
    assert await api(http, node, alice, "/api/v1/custom_emojis") == []
    await page.post(f"/admin/custom_emojis/{emoji_id}/show", {})
    await page.post(f"/admin/custom_emojis/{emoji_id}/disable", {})
    assert await api(http, node, alice, "/api/v1/custom_emojis") == []
    assert "Disabled" in text_of((await page.get("/admin/custom_emojis")).text)
    await page.post(f"/admin/custom_emojis/{emoji_id}/delete", {})
    assert "No custom emoji yet." in (await page.get("/admin/custom_emojis")).text
