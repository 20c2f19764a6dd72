"""Local avatars and headers: the file behind each, and its URL on the account.

`accounts.avatar_file` / `header_file` (migration 0061) name the file
under `[storage] media_dir`; `avatar_url` / `header_url` hold the URL the
Account entity and the actor document show (for remote accounts, the URL
their own actor document gave).
"""

from __future__ import annotations

from typing import Literal

from storage.database import Database

Kind = Literal["avatar", "header"]
_COLUMNS: dict[str, tuple[str, str]] = {"avatar": ("avatar_file", "avatar_url"),
                                        "header": ("header_file", "header_url")}


async def set_profile_image(db: Database, account_id: int, kind: Kind, file_name: str | None,
                            url: str) -> str | None:
    """Point the account's avatar or header at a new file (None and '' to
    remove it); the previous file's name, to delete after the commit."""
    file_column, url_column = _COLUMNS[kind]
    async with db.write() as w:
        row = await w.fetchone(f"SELECT {file_column} FROM accounts WHERE id = ?", (account_id,))
        old = row[0] if row is not None else None
        await w.execute(f"UPDATE accounts SET {file_column} = ?, {url_column} = ? WHERE id = ?",
                        (file_name, url, account_id))
    return str(old) if old else None


async def profile_image_exists(db: Database, file_name: str) -> bool:
    """Whether a local account's avatar or header is this file."""
    found = await db.fetchval("SELECT 1 FROM accounts WHERE avatar_file = ? OR header_file = ?",
                              (file_name, file_name))
    return found is not None
