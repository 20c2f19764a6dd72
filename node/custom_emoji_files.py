"""Staff uploads of custom emoji, shared by the admin API, the /admin page
and `python -m node emoji`: one check, one write, one removal.

A shortcode is 2 to 64 of a-z, A-Z, 0-9 and `_` (Mastodon's); the image
is a PNG or GIF by its own bytes (`node.media_sniff`), at most 256 KiB
(Mastodon's limit), stored under `[storage] media_dir`/emoji at a random
name and served at /system/custom_emojis/<name>. Profiles that write the
shortcode are refreshed on every change (`accounts.emojis_json`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from node.config import Config
from node.i18n import N_
from node.media_files import new_file_name, remove_files, write_file
from node.media_sniff import sniff
from storage import custom_emojis
from storage.custom_emojis import EmojiRow
from storage.database import Database
from storage.ids import IdGenerator

MAX_BYTES = 262_144
EMOJI_TYPES = frozenset({"image/png", "image/gif"})
SHORTCODE = re.compile(r"[a-zA-Z0-9_]{2,64}")


class EmojiError(ValueError):
    """A refused upload or change; the message says why (in English, for API and CLI;
    marked for the catalog, so the admin page can show it in its reader's language)."""


@dataclass(frozen=True, slots=True)
class EmojiUpload:
    shortcode: str
    data: bytes
    category: str | None = None
    visible_in_picker: bool = True


def emoji_dir(config: Config) -> Path:
    return config.storage.media_dir / "emoji"


def _check(upload: EmojiUpload) -> str:
    """The image's content type; EmojiError when the upload is refused."""
    if not SHORTCODE.fullmatch(upload.shortcode):
        raise EmojiError(N_("Shortcode must be 2 to 64 letters, digits or underscores"))
    if not upload.data:
        raise EmojiError(N_("Image can't be blank"))
    if len(upload.data) > MAX_BYTES:
        raise EmojiError(f"Image is too large (maximum is {MAX_BYTES // 1024} KB)")
    kind = sniff(upload.data)
    if kind is None or kind.content_type not in EMOJI_TYPES:
        raise EmojiError(N_("Image must be a PNG or GIF"))
    if upload.category is not None and len(upload.category) > 64:
        raise EmojiError(N_("Category is too long (maximum is 64 characters)"))
    return kind.content_type


async def create_emoji(db: Database, ids: IdGenerator, config: Config, upload: EmojiUpload) -> EmojiRow:
    content_type = _check(upload)
    name = new_file_name("png" if content_type == "image/png" else "gif")
    await write_file(emoji_dir(config), name, upload.data)
    row = await custom_emojis.add_local(db, ids, upload.shortcode, name, content_type, len(upload.data),
                                        upload.category or None, upload.visible_in_picker)
    if row is None:
        await remove_files(emoji_dir(config), [name])
        raise EmojiError(f"Shortcode :{upload.shortcode}: is already taken")
    await custom_emojis.refresh_local_accounts_using(db, row.shortcode)
    return row


async def change_emoji(db: Database, row: EmojiRow, *, category: str | None, visible: bool,
                       disabled: bool) -> EmojiRow:
    if category is not None and len(category) > 64:
        raise EmojiError(N_("Category is too long (maximum is 64 characters)"))
    await custom_emojis.update_local(db, row.id, category=category or None, visible=visible, disabled=disabled)
    await custom_emojis.refresh_local_accounts_using(db, row.shortcode)
    changed = await custom_emojis.get_emoji(db, row.id)
    assert changed is not None
    return changed


async def delete_emoji(db: Database, config: Config, emoji_id: int) -> EmojiRow | None:
    row = await custom_emojis.delete_local(db, emoji_id)
    if row is not None:
        await remove_files(emoji_dir(config), [row.file_name])
        await custom_emojis.refresh_local_accounts_using(db, row.shortcode)
    return row
