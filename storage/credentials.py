"""A password replaced: the new hash, and every way in that the old one opened closed."""

from __future__ import annotations

from storage.database import Writer


async def replace_password(w: Writer, account_id: int, password_hash: str, now: str) -> None:
    """In the caller's transaction: the new hash; every OAuth token revoked, every
    browser session deleted, every outstanding reset link used up."""
    await w.execute("UPDATE users SET password_hash = ? WHERE account_id = ?", (password_hash, account_id))
    await w.execute("UPDATE oauth_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
                    (now, account_id))
    await w.execute("DELETE FROM web_sessions WHERE account_id = ?", (account_id,))
    await w.execute("UPDATE account_tokens SET used_at = ? WHERE account_id = ? AND purpose = 'password_reset'"
                    " AND used_at IS NULL", (now, account_id))
