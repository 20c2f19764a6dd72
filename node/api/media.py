"""Media: POST /api/v2/media and /api/v1/media (upload), GET/PUT/DELETE
/api/v1/media/:id, and the files at /system/media/<name>.

Processing is synchronous: the file's type and size come from its own
bytes (`node.media_sniff`); an image is then decoded and encoded again
without its metadata (EXIF, XMP, IPTC: `node.media_images`), with a
preview and a blurhash made on the way, so v2 answers 200 with the
finished attachment. A video is stored as sent. A description is
at most 1,500 characters (Mastodon's limit) and is screened through the
publication gate when set: a reject-category term refuses the upload or
edit (422 naming the category). It is screened again with the status it
is posted with (`Draft.fields`: `media_description[i]`), so review,
sensitive and flag apply to the whole status.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web

from node import gate, routing
from node.api.path_ids import path_id
from node.auth import Auth, authenticated
from node.entities.media import MEDIA_PATH, serialize_media
from node.errors import not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.media_files import FILE_NAME, new_file_name, read_upload, remove_files, write_file
from node.media_images import ImageError, process_image
from node.media_sniff import Sniffed, sniff
from node.params import read_params
from storage import media
from storage.media import MediaRow, NewMedia

MAX_DESCRIPTION = 1_500
MAX_IMAGE_PIXELS = 33_177_600  # Mastodon's image matrix limit (7680 x 4320)
FILE_TYPE_ERROR = "File type of uploaded media could not be verified"
PREVIEW_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def check_description(value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_DESCRIPTION:
        raise unprocessable(f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION} characters)")
    return value


def parse_focus(value: Any) -> tuple[float, float] | None:
    """Mastodon's "x,y", each from -1.0 to 1.0; anything else is ignored, as there."""
    if not isinstance(value, str) or "," not in value:
        return None
    try:
        x, y = (float(p) for p in value.split(",", 1))
    except ValueError:
        return None
    if not (math.isfinite(x) and math.isfinite(y)) or not (-1 <= x <= 1 and -1 <= y <= 1):
        return None
    return (x, y)


async def screen_description(app: web.Application, auth: Auth, description: str | None) -> None:
    """Refuse a description the gate refuses; the rest waits for the status."""
    if description and description.strip():
        assert auth.account is not None
        await gate.vet_publication(app, auth.account, [("media_description", description)], kind="status",
                                   user=auth.user, provisional=True)


def _render(request: web.Request, row: MediaRow) -> web.Response:
    return web.json_response(serialize_media(row, request.app[CONFIG].node.base_url))


@authenticated("write", "write:media")
async def upload(request: web.Request, auth: Auth) -> web.Response:
    config = request.app[CONFIG]
    sent = await read_upload(request, config.storage.media_max_bytes)
    if not sent.data:
        raise unprocessable("Validation failed: File can't be blank")
    kind = sniff(sent.data)
    if kind is None:
        raise unprocessable(FILE_TYPE_ERROR)
    if kind.width and kind.height and kind.width * kind.height > MAX_IMAGE_PIXELS:
        raise unprocessable(f"Validation failed: File dimensions are larger than {MAX_IMAGE_PIXELS} pixels")
    description = check_description(sent.fields.get("description"))
    await screen_description(request.app, auth, description)
    new = await _store_file(config.storage.media_dir, sent.data, kind, NewMedia(
        id=request.app[IDS].next_id(), account_id=auth.account_id, type=kind.type,
        content_type=kind.content_type, description=description or None,
        focus=parse_focus(sent.fields.get("focus"))))
    async with request.app[DB].write() as w:
        await media.insert_media(w, [new])
        row = await media.get_media(w, new.id)
    assert row is not None
    return _render(request, row)


async def _store_file(directory: Path, data: bytes, kind: Sniffed, new: NewMedia) -> NewMedia:
    """Write the file (an image stripped, with its preview); the row to insert."""
    if kind.type != "image":
        name = new_file_name(kind.extension)
        await write_file(directory, name, data)
        return replace(new, file_name=name, size=len(data), width=kind.width, height=kind.height)
    try:
        image = await asyncio.to_thread(process_image, data, kind.content_type)
    except ImageError:
        raise unprocessable(FILE_TYPE_ERROR) from None
    original, preview = image.original, image.preview
    name, preview_name = new_file_name(original.extension), new_file_name(preview.extension)
    await write_file(directory, name, original.data)
    await write_file(directory, preview_name, preview.data)
    return replace(new, file_name=name, size=len(original.data), width=original.width, height=original.height,
                   blurhash=image.blurhash, preview=(preview_name, preview.width, preview.height))


async def _own(request: web.Request, auth: Auth, *, unattached: bool, unreserved: bool = False) -> MediaRow:
    row = await media.get_media(request.app[DB], path_id(request))
    if row is None or row.account_id != auth.account_id or (unattached and row.status_id is not None):
        raise not_found()
    if unreserved and row.scheduled_status_id is not None:  # a scheduled status will post it
        raise not_found()
    return row


@authenticated("write", "write:media")
async def show(request: web.Request, auth: Auth) -> web.Response:
    return _render(request, await _own(request, auth, unattached=False))


@authenticated("write", "write:media")
async def update(request: web.Request, auth: Auth) -> web.Response:
    """Only before the status is posted, as Mastodon; attached media change
    through the status edit's `media_attributes`."""
    row = await _own(request, auth, unattached=True)
    params = await read_params(request)
    description = check_description(params.str("description")) if "description" in params else row.description
    focus = parse_focus(params.raw("focus")) if "focus" in params else (
        (row.focus_x, row.focus_y) if row.focus_x is not None and row.focus_y is not None else None)
    await screen_description(request.app, auth, description)
    async with request.app[DB].write() as w:
        await media.update_media(w, row.id, description or None, focus)
        updated = await media.get_media(w, row.id)
    assert updated is not None
    return _render(request, updated)


@authenticated("write", "write:media")
async def delete(request: web.Request, auth: Auth) -> web.Response:
    """Unattached media only (Mastodon 4.4's DELETE /api/v1/media/:id)."""
    row = await _own(request, auth, unattached=True, unreserved=True)
    body = serialize_media(row, request.app[CONFIG].node.base_url)
    async with request.app[DB].write() as w:
        await media.delete_media(w, [row.id])
    await remove_files(request.app[CONFIG].storage.media_dir, row.file_names)
    return web.json_response(body)


async def serve_file(request: web.Request) -> web.StreamResponse:
    """The stored original, with the type its bytes proved, and headers
    that keep a browser from reading it as anything else."""
    name = request.match_info["name"]
    row = await media.by_file_name(request.app[DB], name) if FILE_NAME.match(name) else None
    path = request.app[CONFIG].storage.media_dir / name
    if row is None or not path.is_file():
        raise web.HTTPNotFound()
    content_type = row.content_type if name == row.file_name else PREVIEW_TYPES[name.rsplit(".", 1)[1]]
    return web.FileResponse(path, headers={
        "Content-Type": content_type,
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "public, max-age=31536000, immutable",  # a name is never reused
    })


def routes() -> list[web.RouteDef]:
    return [
        routing.post("/api/v2/media", upload),
        routing.post("/api/v1/media", upload),
        routing.get("/api/v1/media/{id}", show),
        routing.put("/api/v1/media/{id}", update),
        routing.delete("/api/v1/media/{id}", delete),
        web.get(MEDIA_PATH + "{name}", serve_file),
    ]
