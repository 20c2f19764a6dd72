"""Media attachments over ActivityPub, as Mastodon federates them.

Out: a local status's Note carries `attachment: [{type: Document,
mediaType, url, name, width, height, blurhash, focalPoint}]`
(ActivityPub::NoteSerializer's MediaAttachmentSerializer), `name` being
the description.

In: a Note's attachments (at most 4, as Mastodon reads them; http(s) URLs
only) become remote media rows holding only `remote_url`: the node never
fetches, stores or proxies a remote file. Their `name`s are screened with
the note (`ParsedNote.fields` lists them as `media_description[i]`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from federation.sanitize import plain_text
from storage import media
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.media import MediaRow, NewMedia
from storage.statuses import StatusRow

MAX_ATTACHMENTS = 4
MAX_DESCRIPTION = 1_500
MAX_URL = 2_048
MEDIA_PATH = "/system/media/"


# ---- out ---------------------------------------------------------------------------

def attachment_document(row: MediaRow, base_url: str) -> dict[str, Any]:
    url = f"{base_url}{MEDIA_PATH}{row.file_name}" if row.file_name else row.remote_url
    doc: dict[str, Any] = {"type": "Document", "mediaType": row.content_type, "url": url,
                           "name": row.description}
    if row.blurhash:
        doc["blurhash"] = row.blurhash
    if row.focus_x is not None and row.focus_y is not None:
        doc["focalPoint"] = [row.focus_x, row.focus_y]
    if row.width and row.height:
        doc["width"], doc["height"] = row.width, row.height
    return doc


async def with_attachments(db: Database, note: dict[str, Any], status_id: int, base_url: str) -> dict[str, Any]:
    """`note` with its status's media as `attachment` (unchanged without any)."""
    rows = (await media.media_for_statuses(db, [status_id])).get(status_id, [])
    if not rows:
        return note
    return {**note, "attachment": [attachment_document(r, base_url) for r in rows]}


# ---- in ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RemoteMedia:
    url: str
    media_type: str
    description: str
    width: int | None
    height: int | None
    blurhash: str | None


def _url(value: Any) -> str:
    """A Document's `url`: a string, a Link (`href`), or a list of either (the first http(s))."""
    for item in value if isinstance(value, list) else [value]:
        href = item.get("href") if isinstance(item, dict) else item
        if isinstance(href, str) and len(href) <= MAX_URL and urlsplit(href).scheme in ("http", "https") \
                and urlsplit(href).netloc:
            return href
    return ""


def _size(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1_000_000 else None


def _one(item: Any) -> RemoteMedia | None:
    if not isinstance(item, dict) or item.get("type") not in ("Document", "Image", "Video", "Audio"):
        return None
    url = _url(item.get("url"))
    if not url:
        return None
    name = item.get("name") if isinstance(item.get("name"), str) else item.get("summary")
    blurhash = item.get("blurhash")
    media_type = item.get("mediaType")
    return RemoteMedia(url=url, media_type=media_type[:255] if isinstance(media_type, str) else "",
                       description=plain_text(name).strip()[:MAX_DESCRIPTION] if isinstance(name, str) else "",
                       width=_size(item.get("width")), height=_size(item.get("height")),
                       blurhash=blurhash if isinstance(blurhash, str) and len(blurhash) <= 100 else None)


def parse_attachments(obj: Any) -> tuple[RemoteMedia, ...]:
    """The first 4 usable attachments of a Note (what is screened and stored)."""
    items = obj.get("attachment") if isinstance(obj, dict) else None
    found = (_one(i) for i in (items if isinstance(items, list) else [items]))
    return tuple(m for m in found if m is not None)[:MAX_ATTACHMENTS]


def _type(media_type: str) -> str:
    major = media_type.split("/", 1)[0].lower()
    return {"image": "image", "video": "video", "audio": "audio"}.get(major, "unknown")


async def store_remote_media(w: Writer, ids: IdGenerator, status: StatusRow,
                             found: Sequence[RemoteMedia]) -> None:
    """The status's remote attachments, replacing any it had (an edit)."""
    await media.delete_remote_of_status(w, status.id)
    await media.insert_media(w, [
        NewMedia(id=ids.next_id(), account_id=status.account_id, status_id=status.id, position=i,
                 type=_type(m.media_type), content_type=m.media_type, width=m.width, height=m.height,
                 description=m.description or None, blurhash=m.blurhash, remote_url=m.url)
        for i, m in enumerate(found)])
