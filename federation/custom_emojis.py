"""Custom emoji over ActivityPub, as Mastodon: an `Emoji` tag (id, name
`:shortcode:`, `updated`, an `icon` Image) for each local emoji a Note's
text or content warning uses, or an actor's name, summary or fields; and
the `Emoji` tags of a peer's Notes and actors recorded under its host, so
its statuses and profiles show them. A remote emoji image is a link the
client loads: this node never fetches it (as with remote media).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from federation.context import Federation
from federation.urls import Urls
from storage import custom_emojis
from storage.accounts import AccountRow
from storage.custom_emojis import EmojiRow, RemoteEmoji
from storage.database import Database

MAX_EMOJI_TAGS = 50
MAX_URL = 2048


def emoji_id(urls: Urls, row: EmojiRow) -> str:
    return f"{urls.base_url}/emojis/{row.id}"


def emoji_document(urls: Urls, row: EmojiRow) -> dict[str, Any]:
    url = f"{urls.base_url}{custom_emojis.LOCAL_PATH}{row.file_name}"
    return {"id": emoji_id(urls, row), "type": "Emoji", "name": f":{row.shortcode}:", "updated": row.updated_at,
            "icon": {"type": "Image", "mediaType": row.content_type, "url": url}}


async def _tags(db: Database, urls: Urls, texts: Sequence[str]) -> list[dict[str, Any]]:
    codes = custom_emojis.shortcodes_in(*texts)
    known = await custom_emojis.find_used(db, [(None, c) for c in codes])
    return [emoji_document(urls, known[(None, c)]) for c in codes if (None, c) in known]


async def with_emoji_tags(db: Database, urls: Urls, note: dict[str, Any]) -> dict[str, Any]:
    """A local Note with an Emoji tag per local emoji its text uses."""
    texts = [str(note.get("content") or ""), str(note.get("summary") or "")]
    found = await _tags(db, urls, texts)
    return {**note, "tag": [*note.get("tag", []), *found]} if found else note


async def with_actor_emoji_tags(db: Database, urls: Urls, account: AccountRow, doc: dict[str, Any]) -> dict[str, Any]:
    found = await _tags(db, urls, [account.display_name, account.note, account.fields_json])
    return {**doc, "tag": [*doc.get("tag", []), *found]} if found else doc


def _icon_url(icon: Any) -> str:
    if isinstance(icon, list):
        icon = icon[0] if icon else None
    url = icon.get("url") if isinstance(icon, dict) else icon
    if not isinstance(url, str) or len(url) > MAX_URL or urlsplit(url).scheme not in ("http", "https"):
        return ""
    return url


def parse_emoji_tags(obj: Any) -> list[RemoteEmoji]:
    """The Emoji tags of a Note or actor document (at most 50)."""
    tags = obj.get("tag") if isinstance(obj, dict) else None
    found: dict[str, RemoteEmoji] = {}
    for tag in (tags if isinstance(tags, list) else [tags])[:MAX_EMOJI_TAGS * 2]:
        if not isinstance(tag, dict) or tag.get("type") != "Emoji" or not isinstance(tag.get("name"), str):
            continue
        codes = custom_emojis.shortcodes_in(tag["name"].strip())
        url = _icon_url(tag.get("icon"))
        if len(codes) == 1 and tag["name"].strip() == f":{codes[0]}:" and url:
            uri = tag.get("id") if isinstance(tag.get("id"), str) and len(tag["id"]) <= MAX_URL else None
            found.setdefault(codes[0], RemoteEmoji(codes[0], url, uri))
    return list(found.values())[:MAX_EMOJI_TAGS]


async def record_emoji_tags(fed: Federation, domain: str | None, obj: Any) -> None:
    """Store a peer's Emoji tags under its host (never for our own domain)."""
    if domain and domain != fed.settings.domain:
        await custom_emojis.record_remote(fed.db, fed.ids, domain, parse_emoji_tags(obj))

