"""Mastodon's MediaAttachment entity (REST::MediaAttachmentSerializer).

A local image has a preview file (`preview_url`, `meta.small`) and a
blurhash, made when it was uploaded (`node.media_images`); a video's
`preview_url` is the file itself. A remote attachment is shown by its origin's URL (`url` = `remote_url`):
the node never fetches or proxies remote files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage import media
from storage.database import Database
from storage.media import MediaRow

MEDIA_PATH = "/system/media/"


def file_url(base_url: str, file_name: str) -> str:
    return f"{base_url}{MEDIA_PATH}{file_name}"


def _meta(row: MediaRow) -> dict[str, Any] | None:
    meta: dict[str, Any] = {}
    if row.width and row.height:
        meta["original"] = {"width": row.width, "height": row.height, "size": f"{row.width}x{row.height}",
                            "aspect": row.width / row.height}
    if row.preview_width and row.preview_height:
        meta["small"] = {"width": row.preview_width, "height": row.preview_height,
                         "size": f"{row.preview_width}x{row.preview_height}",
                         "aspect": row.preview_width / row.preview_height}
    if row.focus_x is not None and row.focus_y is not None:
        meta["focus"] = {"x": row.focus_x, "y": row.focus_y}
    return meta or None


def serialize_media(row: MediaRow, base_url: str) -> dict[str, Any]:
    url = file_url(base_url, row.file_name) if row.file_name else row.remote_url
    return {
        "id": str(row.id),
        "type": row.type,
        "url": url,
        "preview_url": file_url(base_url, row.preview_file_name) if row.preview_file_name else url,
        "remote_url": row.remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": _meta(row),
        "description": row.description,
        "blurhash": row.blurhash,
    }


async def media_by_status(db: Database, status_ids: Sequence[int], base_url: str) -> dict[int, list[dict[str, Any]]]:
    """MediaAttachment lists by status id (one query)."""
    found = await media.media_for_statuses(db, status_ids)
    return {sid: [serialize_media(r, base_url) for r in rows] for sid, rows in found.items()}
