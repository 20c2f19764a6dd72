"""Announcements written by staff and read, dismissed and reacted to with
Mastodon.py (the node runs in its own thread, `live_node`), and their
streaming events."""

from __future__ import annotations

import json

import aiohttp
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from node.custom_emoji_files import EmojiUpload, create_emoji
from node.keys import CONFIG, DB, IDS
from tests.conftest import Node, NodeThread
from tests.node.test_media import png
from tests.node.test_notifications_mastodonpy import client


def test_published_announcements_are_read_dismissed_and_reacted_to(live_node: NodeThread) -> None:
    # Given an admin, alice and bob, and a local :blobcat:
    node = live_node.node
    assert node is not None
    admin = client(live_node, live_node.call(node.account("root", role="admin")).token)
    alice = client(live_node, live_node.call(node.account("alice")).token)
    bob = client(live_node, live_node.call(node.account("bob")).token)
    live_node.call(create_emoji(node.app[DB], node.app[IDS], node.app[CONFIG], EmojiUpload("blobcat", png())))

    def staff(method: str, path: str, params: dict[str, str] | None = None) -> dict[str, object]:
        return admin._Mastodon__api_request(method, path, params or {})

    # When the admin writes one announcement as a draft and publishes another
    draft = staff("POST", "/api/v1/admin/announcements", {"text": "maintenance tonight"})
    post = bob.status_post("the release notes")
    live = staff("POST", "/api/v1/admin/announcements",
                 {"text": f"欢迎 welcome! #news :blobcat: ask @bob\n\nsee https://example.com and {post.url}",
                  "published": "true", "starts_at": "2026-12-24", "all_day": "true"})
    # Then users see only the published one, unread, rendered with its tag and emoji
    shown = alice.announcements()
    assert [a.id for a in shown] == [live["id"]]
    first = shown[0]
    assert first.read is False and first.all_day is True and str(first.starts_at)[:10] == "2026-12-24"
    assert "<p>欢迎 welcome!" in first.content and [t["name"] for t in first.tags] == ["news"]
    assert [e["shortcode"] for e in first.emojis] == ["blobcat"]
    assert [m["acct"] for m in first.mentions] == ["bob"] and [p["id"] for p in first.statuses] == [str(post.id)]
    assert '<a href="https://example.com"' not in first.content  # no permit: shown as text (article 7(6))
    # When alice dismisses it and both react, alice twice
    alice.announcement_dismiss(first.id)
    alice.announcement_reaction_create(first.id, "👍")
    bob.announcement_reaction_create(first.id, "👍")
    alice.announcement_reaction_create(first.id, "blobcat")
    # Then it is read for her, not for bob, with counts and her own marks
    mine, bobs = alice.announcements()[0], bob.announcements()[0]
    assert (mine.read, bobs.read) == (True, False)
    assert [(r["name"], r["count"], r["me"]) for r in mine.reactions] == [("👍", 2, True), ("blobcat", 1, True)]
    assert [(r["name"], r["me"]) for r in bobs.reactions] == [("👍", True), ("blobcat", False)]
    assert bobs.reactions[1]["url"].endswith(".png")
    # And a reaction twice, a word that is no emoji, or one on the draft is refused
    with pytest.raises(MastodonAPIError):
        alice.announcement_reaction_create(first.id, "👍")
    with pytest.raises(MastodonAPIError):
        alice.announcement_reaction_create(first.id, "spam")
    with pytest.raises(MastodonNotFoundError):
        alice.announcement_reaction_create(draft["id"], "👍")
    # When alice takes hers back and the admin deletes the announcement
    alice.announcement_reaction_delete(first.id, "👍")
    assert [(r["name"], r["count"]) for r in bob.announcements()[0].reactions] == [("👍", 1), ("blobcat", 1)]
    with pytest.raises(MastodonNotFoundError):
        alice.announcement_reaction_delete(first.id, "👍")
    staff("DELETE", f"/api/v1/admin/announcements/{live['id']}")
    # Then nobody sees it; a user may not write announcements
    assert alice.announcements() == []
    with pytest.raises(MastodonAPIError):
        alice._Mastodon__api_request("POST", "/api/v1/admin/announcements", {"text": "buy followers"})


async def test_announcement_events_reach_user_streams(node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice listening to her user stream
    alice, admin = await node.account("alice"), await node.account("root", role="admin")
    async with http.ws_connect(node.url(f"/api/v1/streaming?stream=user&access_token={alice.token}")) as ws:
        async def call(method: str, path: str, who: object, **data: str) -> dict[str, object]:
            async with http.request(method, node.url(path), data=data,
                                    headers=who.headers) as resp:  # type: ignore[attr-defined]
                assert resp.status == 200, await resp.text()
                return await resp.json()

        async def event() -> tuple[str, object]:
            msg = json.loads((await ws.receive(timeout=5)).data)
            return msg["event"], json.loads(msg["payload"]) if msg["payload"].startswith(("{", "[")) \
                else msg["payload"]

        # When an announcement is published, reacted to, and unpublished
        made = await call("POST", "/api/v1/admin/announcements", admin, text="hello", published="true")
        kind, body = await event()
        assert kind == "announcement" and body["id"] == made["id"] and body["read"] is False  # type: ignore[index]
        await call("PUT", f"/api/v1/announcements/{made['id']}/reactions/🎉", alice)
        assert await event() == ("announcement.reaction", {"name": "🎉", "count": 1,
                                                           "announcement_id": made["id"]})
        await call("POST", f"/api/v1/admin/announcements/{made['id']}/unpublish", admin)
        # Then her stream got each of Mastodon's three events
        assert await event() == ("announcement.delete", made["id"])
