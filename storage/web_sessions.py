"""Browser sessions for the node's own HTML pages.

The cookie value never reaches the database: rows are keyed by its
SHA-256 (`id_hash`), as OAuth tokens are. A row with no account belongs
to a visitor who has not signed in and only carries a CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database
from storage.oauth import token_hash
from storage.rows import to_row


@dataclass(frozen=True, slots=True)
class SessionRow:
    id_hash: str
    account_id: int | None
    csrf: str
    created_at: str
    expires_at: str


async def find_session(db: Database, session_id: str) -> SessionRow | None:
    """A live session by the cookie's value."""
    row = await db.fetchone("SELECT * FROM web_sessions WHERE id_hash = ? AND expires_at > ?",
                            (token_hash(session_id), now_iso()))
    return to_row(SessionRow, row)


async def replace_session(db: Database, old_id: str | None, new_id: str, account_id: int | None,
                          csrf: str, expires_at: str) -> SessionRow:
    """Store a new session, dropping `old_id`'s and any expired rows."""
    now = now_iso()
    row = SessionRow(token_hash(new_id), account_id, csrf, now, expires_at)
    async with db.write() as w:
        await w.execute("DELETE FROM web_sessions WHERE expires_at <= ?", (now,))
        if old_id:
            await w.execute("DELETE FROM web_sessions WHERE id_hash = ?", (token_hash(old_id),))
        await w.execute(
            "INSERT INTO web_sessions (id_hash, account_id, csrf, created_at, expires_at) VALUES (?,?,?,?,?)",
            (row.id_hash, row.account_id, row.csrf, row.created_at, row.expires_at))
    return row


async def delete_session(db: Database, session_id: str) -> None:
    await db.execute("DELETE FROM web_sessions WHERE id_hash = ?", (token_hash(session_id),))


async def delete_account_sessions(db: Database, account_id: int) -> None:
    """Sign an account out everywhere (password change, suspension)."""
    await db.execute("DELETE FROM web_sessions WHERE account_id = ?", (account_id,))
