"""Addresses awaiting confirmation: an account's own since sign-up
(`sign_up` = 1: the account may not sign in until it is confirmed), or a
new address asked for in settings, which replaces `users.email` only when
its link is followed."""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import to_row


@dataclass(frozen=True, slots=True)
class PendingEmailRow:
    account_id: int
    email: str
    sign_up: int
    created_at: str


async def get(db: Database | Writer, account_id: int) -> PendingEmailRow | None:
    return to_row(PendingEmailRow, await db.fetchone("SELECT * FROM pending_emails WHERE account_id = ?",
                                                     (account_id,)))


async def put(w: Writer, account_id: int, email: str, *, sign_up: bool) -> None:
    """Set the address awaiting confirmation (one per account: a newer request replaces it)."""
    await w.execute(
        "INSERT INTO pending_emails (account_id, email, sign_up, created_at) VALUES (?,?,?,?)"
        " ON CONFLICT (account_id) DO UPDATE SET email = excluded.email, sign_up = excluded.sign_up,"
        " created_at = excluded.created_at", (account_id, email, int(sign_up), now_iso()))


async def remove(w: Writer, account_id: int) -> None:
    await w.execute("DELETE FROM pending_emails WHERE account_id = ?", (account_id,))


async def address_taken(db: Database | Writer, email: str, *, other_than: int) -> bool:
    """Another account has this address. Another's unconfirmed request for it does not
    count: whoever cannot read that mailbox must not be able to hold the address."""
    return await db.fetchone("SELECT 1 FROM users WHERE lower(email) = lower(?) AND account_id <> ?",
                             (email, other_than)) is not None


async def adopt(w: Writer, account_id: int, email: str) -> None:
    """The address is confirmed: it becomes the account's, and nothing awaits confirmation."""
    await w.execute("UPDATE users SET email = ? WHERE account_id = ?", (email, account_id))
    await w.execute("DELETE FROM pending_emails WHERE account_id = ?", (account_id,))


async def replace_unconfirmed(w: Writer, account_id: int, email: str) -> None:
    """An account still confirming its sign-up address gives another (Mastodon's resend with `email`)."""
    await w.execute("UPDATE users SET email = ? WHERE account_id = ?", (email, account_id))
    await w.execute("UPDATE pending_emails SET email = ?, created_at = ? WHERE account_id = ?",
                    (email, now_iso(), account_id))
