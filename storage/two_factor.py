"""TOTP two-factor rows: the (encrypted) secret and the hashed recovery codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database
from storage.rows import to_row


@dataclass(frozen=True, slots=True)
class TwoFactorRow:
    account_id: int
    secret: str  # a vault blob
    enabled_at: str | None
    last_step: int
    created_at: str


async def get(db: Database, account_id: int) -> TwoFactorRow | None:
    return to_row(TwoFactorRow, await db.fetchone("SELECT * FROM two_factor WHERE account_id = ?", (account_id,)))


async def start(db: Database, account_id: int, secret_blob: str) -> None:
    """A new (not yet enabled) secret, replacing one never enabled."""
    async with db.write() as w:
        await w.execute("DELETE FROM two_factor WHERE account_id = ? AND enabled_at IS NULL", (account_id,))
        await w.execute("INSERT INTO two_factor (account_id, secret, enabled_at, last_step, created_at)"
                        " VALUES (?, ?, NULL, 0, ?) ON CONFLICT (account_id) DO NOTHING",
                        (account_id, secret_blob, now_iso()))


async def enable(db: Database, account_id: int, step: int, code_hashes: Sequence[str]) -> bool:
    """Turn it on with the recovery codes; False when already on."""
    async with db.write() as w:
        changed = await w.rowcount("UPDATE two_factor SET enabled_at = ?, last_step = ?"
                                   " WHERE account_id = ? AND enabled_at IS NULL", (now_iso(), step, account_id))
        if not changed:
            return False
        await w.execute("DELETE FROM two_factor_recovery_codes WHERE account_id = ?", (account_id,))
        await w.executemany("INSERT INTO two_factor_recovery_codes (account_id, code_hash, used_at)"
                            " VALUES (?, ?, NULL)", [(account_id, h) for h in code_hashes])
    return True


async def disable(db: Database, account_id: int) -> None:
    async with db.write() as w:
        await w.execute("DELETE FROM two_factor_recovery_codes WHERE account_id = ?", (account_id,))
        await w.execute("DELETE FROM two_factor WHERE account_id = ?", (account_id,))


async def use_step(db: Database, account_id: int, step: int) -> bool:
    """Record a TOTP step as used; False when it (or a later one) was used already."""
    async with db.write() as w:
        return await w.rowcount("UPDATE two_factor SET last_step = ? WHERE account_id = ? AND last_step < ?",
                                (step, account_id, step)) > 0


async def use_recovery_code(db: Database, account_id: int, code_hash: str) -> bool:
    async with db.write() as w:
        return await w.rowcount("UPDATE two_factor_recovery_codes SET used_at = ? WHERE account_id = ?"
                                " AND code_hash = ? AND used_at IS NULL", (now_iso(), account_id, code_hash)) > 0
