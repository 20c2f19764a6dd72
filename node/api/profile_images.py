"""Avatars and headers of local accounts (issue #13, with #14's image pipeline).

`PATCH /api/v1/accounts/update_credentials` with `avatar` or `header`
multipart files (`node.api.account_credentials` calls `save_images`):
the file's type from its bytes (`node.media_sniff`, images only), then
decoded, cropped to Mastodon's sizes (avatar 400x400, header 1500x500)
and encoded again without metadata (`node.media_images`), written under a
random name, served at `/system/accounts/<name>`, shown in the Account
entity and federated as the actor's `icon` / `image` (the actor Update is
sent by update_credentials). `DELETE /api/v1/profile/avatar` and
`/api/v1/profile/header` (Mastodon 4.2, routed in account_credentials)
call `remove_image`: back to the default picture.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from aiohttp import web

from federation import emit
from node.api.accounts import validation_failed
from node.keys import CONFIG, DB
from node.media_files import FILE_NAME, new_file_name, remove_files, write_file
from node.media_images import AVATAR_SIZE, HEADER_SIZE, ImageError, profile_image
from node.media_sniff import sniff
from storage.profile_images import Kind, profile_image_exists, set_profile_image

PROFILE_PATH = "/system/accounts/"
SIZES: dict[Kind, tuple[int, int]] = {"avatar": AVATAR_SIZE, "header": HEADER_SIZE}
MAX_PIXELS = 33_177_600  # as attachments: checked from the header, before decoding
TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def _checked(kind: Kind, data: bytes) -> str:
    """The image's content type; 422 in Mastodon's shape otherwise."""
    sniffed = sniff(data)
    if sniffed is None or sniffed.type != "image":
        raise validation_failed({kind: [{"error": "ERR_INVALID", "description": "file type is not supported"}]})
    if sniffed.width and sniffed.height and sniffed.width * sniffed.height > MAX_PIXELS:
        raise validation_failed({kind: [{"error": "ERR_TOO_LARGE",
                                         "description": f"dimensions are larger than {MAX_PIXELS} pixels"}]})
    return sniffed.content_type


async def save_images(app: web.Application, account_id: int, files: Mapping[str, bytes]) -> bool:
    """Store the avatar and/or header sent; True when one changed."""
    wanted = [(kind, files[kind]) for kind in ("avatar", "header") if files.get(kind)]
    checked = [(kind, data, _checked(kind, data)) for kind, data in wanted]  # all refused before any stored
    for kind, data, content_type in checked:
        try:
            image = await asyncio.to_thread(profile_image, data, content_type, SIZES[kind])
        except ImageError:
            raise validation_failed({kind: [{"error": "ERR_INVALID", "description": "could not be read"}]}) from None
        name = new_file_name(image.extension)
        config = app[CONFIG]
        await write_file(config.storage.media_dir, name, image.data)
        old = await set_profile_image(app[DB], account_id, kind, name, config.node.base_url + PROFILE_PATH + name)
        await remove_files(config.storage.media_dir, [old])
    return bool(checked)


async def remove_image(app: web.Application, account_id: int, kind: Kind) -> None:
    """Back to the default picture; the actor Update goes to followers' nodes."""
    old = await set_profile_image(app[DB], account_id, kind, None, "")
    if old:
        await remove_files(app[CONFIG].storage.media_dir, [old])
        await emit.after_commit(app, emit.profile_updated, account_id)  # federation


async def serve_profile_image(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    path = request.app[CONFIG].storage.media_dir / name
    if not FILE_NAME.match(name) or not await profile_image_exists(request.app[DB], name) or not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={
        "Content-Type": TYPES.get(name.rsplit(".", 1)[1], "application/octet-stream"),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "public, max-age=31536000, immutable",  # a name is never reused
    })


def routes() -> list[web.RouteDef]:
    return [
        web.get(PROFILE_PATH + "{name}", serve_profile_image),
    ]
