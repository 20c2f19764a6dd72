"""Single-use tokens behind the links in messages (password reset, address
confirmation). Only the token's SHA-256 is stored: a copy of the database
opens no account. `take` uses a token up in the transaction that checks it,
so two clicks of one link never both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, Writer
from storage.oauth import token_hash
from storage.rows import to_row

PURPOSES = ("password_reset", "confirm_email")


@dataclass(frozen=True, slots=True)
class AccountTokenRow:
    token_hash: str
    account_id: int
    purpose: str
    email: str
    created_at: str
    expires_at: str
    used_at: str | None


async def insert(w: Writer, token: str, account_id: int, purpose: str, *, email: str = "", now: str,
                 expires_at: str) -> None:
    assert purpose in PURPOSES
    await w.execute("INSERT INTO account_tokens (token_hash, account_id, purpose, email, created_at, expires_at)"
                    " VALUES (?,?,?,?,?,?)", (token_hash(token), account_id, purpose, email, now, expires_at))


async def find_live(w: Database | Writer, token: str, purpose: str, now: str) -> AccountTokenRow | None:
    """The token if it is unused and unexpired (without using it up)."""
    return to_row(AccountTokenRow, await w.fetchone(
        "SELECT * FROM account_tokens WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?",
        (token_hash(token), purpose, now)))


async def take(w: Writer, token: str, purpose: str, now: str) -> AccountTokenRow | None:
    """Use the token up; None if it is unknown, used or expired."""
    row = await find_live(w, token, purpose, now)
    if row is None:
        return None
    used = await w.rowcount("UPDATE account_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                            (now, row.token_hash))
    return row if used else None


async def use_up_all(w: Writer, account_id: int, purpose: str, now: str) -> None:
    """Every outstanding token of this kind dies (a reset done; a new address asked for)."""
    await w.execute("UPDATE account_tokens SET used_at = ? WHERE account_id = ? AND purpose = ? AND used_at IS NULL",
                    (now, account_id, purpose))


async def purge_expired(w: Writer, before: str) -> int:
    """Tokens expired before `before` are no use to anyone: delete them."""
    return await w.rowcount("DELETE FROM account_tokens WHERE expires_at < ?", (before,))
