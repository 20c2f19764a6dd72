"""Custom emoji rows: staff uploads (local, `domain` NULL) and the Emoji
tags peers send (remote, by host). Which emoji a text uses is found by
its `:shortcode:`s (`node.emoji_text`), looked up here for the text's
author's domain, as Mastodon's CustomEmoji.from_text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.rows import placeholders, to_row, to_rows


# Mastodon's CustomEmoji::SCAN_RE: `:code:` not touching a letter, digit or colon.
SHORTCODE = re.compile(r"(?<![^\W_])(?<!:):([a-zA-Z0-9_]{2,64}):(?![^\W_])(?!:)")
LOCAL_PATH = "/system/custom_emojis/"


def shortcodes_in(*texts: str) -> list[str]:
    """The shortcodes a text uses, each once, in order."""
    return list(dict.fromkeys(code for text in texts for code in SHORTCODE.findall(text or "")))


@dataclass(frozen=True, slots=True)
class EmojiRow:
    id: int
    shortcode: str
    domain: str | None
    file_name: str | None
    content_type: str
    size: int
    remote_url: str | None
    uri: str | None
    visible_in_picker: int
    category: str | None
    disabled: int
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class RemoteEmoji:
    shortcode: str
    url: str
    uri: str | None


async def add_local(db: Database, ids: IdGenerator, shortcode: str, file_name: str, content_type: str, size: int,
                    category: str | None, visible: bool = True) -> EmojiRow | None:
    """A new local emoji; None when the shortcode is taken."""
    stamp = now_iso()
    async with db.write() as w:
        added = await w.rowcount(
            "INSERT INTO custom_emojis (id, shortcode, domain, file_name, content_type, size, visible_in_picker,"
            " category, created_at, updated_at) SELECT ?,?,NULL,?,?,?,?,?,?,? WHERE NOT EXISTS"
            " (SELECT 1 FROM custom_emojis WHERE shortcode = ? AND domain IS NULL)",
            (ids.next_id(), shortcode, file_name, content_type, size, int(visible), category, stamp, stamp,
             shortcode))
    return await get_local(db, shortcode) if added else None


async def get_local(db: Database | Writer, shortcode: str) -> EmojiRow | None:
    return to_row(EmojiRow, await db.fetchone(
        "SELECT * FROM custom_emojis WHERE shortcode = ? AND domain IS NULL", (shortcode,)))


async def get_emoji(db: Database, emoji_id: int) -> EmojiRow | None:
    return to_row(EmojiRow, await db.fetchone("SELECT * FROM custom_emojis WHERE id = ?", (emoji_id,)))


async def by_file_name(db: Database, file_name: str) -> EmojiRow | None:
    return to_row(EmojiRow, await db.fetchone(
        "SELECT * FROM custom_emojis WHERE file_name = ? AND domain IS NULL", (file_name,)))


async def list_local(db: Database, *, enabled_only: bool = True) -> list[EmojiRow]:
    only = " AND disabled = 0" if enabled_only else ""
    return to_rows(EmojiRow, await db.fetchall(
        f"SELECT * FROM custom_emojis WHERE domain IS NULL{only} ORDER BY lower(shortcode)"))


async def update_local(db: Database, emoji_id: int, *, category: str | None, visible: bool,
                       disabled: bool) -> bool:
    return await db.execute(
        "UPDATE custom_emojis SET category = ?, visible_in_picker = ?, disabled = ?, updated_at = ?"
        " WHERE id = ? AND domain IS NULL", (category, int(visible), int(disabled), now_iso(), emoji_id)) > 0


async def delete_local(db: Database, emoji_id: int) -> EmojiRow | None:
    """Delete a local emoji; its row (for the file to remove) or None."""
    async with db.write() as w:
        row = to_row(EmojiRow, await w.fetchone(
            "SELECT * FROM custom_emojis WHERE id = ? AND domain IS NULL", (emoji_id,)))
        if row is not None:
            await w.execute("DELETE FROM custom_emojis WHERE id = ?", (emoji_id,))
    return row


async def record_remote(db: Database, ids: IdGenerator, domain: str, emojis: Sequence[RemoteEmoji]) -> None:
    """Remember (or update the URL of) the emoji a peer's object used."""
    if not emojis:
        return
    stamp = now_iso()
    async with db.write() as w:
        for e in emojis:
            await w.execute(
                "UPDATE custom_emojis SET remote_url = ?, uri = ?, updated_at = ? WHERE shortcode = ? AND domain = ?"
                " AND (remote_url IS DISTINCT FROM ? OR uri IS DISTINCT FROM ?)",
                (e.url, e.uri, stamp, e.shortcode, domain, e.url, e.uri))
            await w.execute(
                "INSERT INTO custom_emojis (id, shortcode, domain, remote_url, uri, visible_in_picker, created_at,"
                " updated_at) SELECT ?,?,?,?,?,0,?,? WHERE NOT EXISTS"
                " (SELECT 1 FROM custom_emojis WHERE shortcode = ? AND domain = ?)",
                (ids.next_id(), e.shortcode, domain, e.url, e.uri, stamp, stamp, e.shortcode, domain))


async def find_used(db: Database, wanted: Iterable[tuple[str | None, str]]) -> dict[tuple[str | None, str], EmojiRow]:
    """Enabled emoji by (domain, shortcode), in one query."""
    pairs = set(wanted)
    codes = sorted({code for _, code in pairs})
    if not codes:
        return {}
    rows = to_rows(EmojiRow, await db.fetchall(
        f"SELECT * FROM custom_emojis WHERE disabled = 0 AND shortcode IN ({placeholders(codes)})", codes))
    return {(r.domain, r.shortcode): r for r in rows if (r.domain, r.shortcode) in pairs}


def entity(row: EmojiRow, base_url: str = "") -> dict[str, Any]:
    """Mastodon's CustomEmoji; a local image's URL is on this node (`base_url`
    prefixed; "" keeps the path, as stored in accounts.emojis_json)."""
    url = f"{base_url}{LOCAL_PATH}{row.file_name}" if row.domain is None else (row.remote_url or "")
    return {"shortcode": row.shortcode, "url": url, "static_url": url,
            "visible_in_picker": bool(row.visible_in_picker), "category": row.category}


async def refresh_account(db: Database, account_id: int) -> None:
    """Rewrite accounts.emojis_json from the profile's text and the emoji
    enabled now for the account's domain."""
    row = await db.fetchone("SELECT domain, display_name, note, fields_json FROM accounts WHERE id = ?",
                            (account_id,))
    if row is None:
        return
    codes = shortcodes_in(row["display_name"], row["note"], row["fields_json"])
    found = await find_used(db, [(row["domain"], c) for c in codes])
    used = [entity(found[(row["domain"], c)]) for c in codes if (row["domain"], c) in found]
    await db.execute("UPDATE accounts SET emojis_json = ? WHERE id = ?",
                     (json.dumps(used, ensure_ascii=False), account_id))


async def refresh_local_accounts_using(db: Database, shortcode: str) -> int:
    """After a local emoji changed: every local profile that writes `:shortcode:`."""
    pattern = "%:" + shortcode.replace("_", "\\_") + ":%"
    rows = await db.fetchall(
        "SELECT id FROM accounts WHERE domain IS NULL AND (display_name LIKE ? ESCAPE '\\'"
        " OR note LIKE ? ESCAPE '\\' OR fields_json LIKE ? ESCAPE '\\')", (pattern, pattern, pattern))
    for r in rows:
        await refresh_account(db, int(r[0]))
    return len(rows)
