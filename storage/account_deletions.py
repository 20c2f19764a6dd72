"""Account deletion (migration 0180): the mark that makes an account
unusable at once, the background queue that does the rest, and the
identity records kept after it for the retention period.

`mark_deleted` is one write transaction: the account is hidden for good
(`deleted_at`, and `suspended_at` so every path that hides a suspended
account hides it), and whatever lets anyone act as it goes with it: the
user row (e-mail, password hash), OAuth tokens and codes, browser
sessions, two-factor secrets, push subscriptions. Its content goes later,
in batches (`storage.account_purge`), from the queue row it adds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.clock import iso
from storage.database import Database, Writer
from storage.rows import to_rows

# Whatever signs in or acts as the account; the keys of these tables are the account id.
EXPIRED = "1970-01-01T00:00:00.000Z"  # before any moment `iso` writes

# The mail tables go too: a queued message, a link's token or an address
# awaiting confirmation is personal data with nothing left to serve.
_ACCESS_TABLES = ("oauth_tokens", "oauth_codes", "web_sessions", "push_subscriptions",
                  "two_factor_recovery_codes", "two_factor", "users",
                  "account_tokens", "pending_emails", "mail_outbox")


@dataclass(frozen=True, slots=True)
class DeletionRow:
    account_id: int
    requested_by: str
    state: str
    due_at: str
    claimed_until: str | None
    created_at: str
    finished_at: str | None


async def mark_deleted(w: Writer, account_id: int, requested_by: str, at: dt.datetime) -> bool:
    """Make a local account unusable and queue the rest; False if it was deleted already."""
    stamp = iso(at)
    changed = await w.rowcount(
        "UPDATE accounts SET deleted_at = ?, suspended_at = coalesce(suspended_at, ?), updated_at = ?"
        " WHERE id = ? AND domain IS NULL AND deleted_at IS NULL", (stamp, stamp, stamp, account_id))
    if changed == 0:
        return False
    for table in _ACCESS_TABLES:  # a fixed list of names, never input
        await w.execute(f"DELETE FROM {table} WHERE account_id = ?", (account_id,))
    await w.execute("UPDATE identities SET account_deleted_at = ? WHERE account_id = ?", (stamp, account_id))
    # Archives expire at once (the account jobs' sweep removes rows and files);
    # uploaded CSVs not yet applied are dropped.
    await w.execute("UPDATE account_exports SET expires_at = ? WHERE account_id = ?", (EXPIRED, account_id))
    await w.execute("DELETE FROM account_imports WHERE account_id = ?", (account_id,))
    await w.execute("INSERT INTO account_deletions (account_id, requested_by, due_at, created_at)"
                    " VALUES (?, ?, ?, ?)", (account_id, requested_by, stamp, stamp))
    return True


async def claim_due(db: Database, now: dt.datetime, lease: dt.timedelta, limit: int = 10) -> list[DeletionRow]:
    """Unfinished rows that are due and not under another worker's lease, each
    taken by a conditional update so that one worker has it."""
    stamp = iso(now)
    rows = to_rows(DeletionRow, await db.fetchall(
        "SELECT * FROM account_deletions WHERE state <> 'done' AND due_at <= ?"
        " AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY due_at LIMIT ?", (stamp, stamp, limit)))
    taken: list[DeletionRow] = []
    until = iso(now + lease)
    async with db.write() as w:
        for row in rows:
            if await w.rowcount(
                    "UPDATE account_deletions SET claimed_until = ? WHERE account_id = ? AND state = ?"
                    " AND (claimed_until IS NULL OR claimed_until <= ?)",
                    (until, row.account_id, row.state, stamp)) == 1:
                taken.append(row)
    return taken


async def advance(w: Writer, account_id: int, state: str, due: dt.datetime) -> None:
    """Move a row to `state`, due at `due`, and give its lease back."""
    finished = iso(due) if state == "done" else None
    await w.execute("UPDATE account_deletions SET state = ?, due_at = ?, claimed_until = NULL,"
                    " finished_at = coalesce(finished_at, ?) WHERE account_id = ?",
                    (state, iso(due), finished, account_id))


async def pending_signed_deliveries(db: Database, account_id: int) -> int:
    """Deliveries still to be signed with the account's key."""
    return int(await db.fetchval(
        "SELECT count(*) FROM deliveries WHERE signer_account_id = ? AND state IN ('queued','in_flight')",
        (account_id,)) or 0)


async def drop_private_key(w: Writer, account_id: int) -> None:
    await w.execute("UPDATE accounts SET private_key_pem = NULL WHERE id = ? AND deleted_at IS NOT NULL",
                    (account_id,))


# ---- identity retention ------------------------------------------------------

async def identities_past_retention(db: Database, cutoff: dt.datetime, limit: int = 500) -> list[int]:
    """Accounts whose identity record was kept since before `cutoff`."""
    rows = await db.fetchall(
        "SELECT account_id FROM identities WHERE account_deleted_at IS NOT NULL AND account_deleted_at < ?"
        " ORDER BY account_deleted_at LIMIT ?", (iso(cutoff), limit))
    return [int(r[0]) for r in rows]


async def purge_identity(w: Writer, account_id: int, cutoff: dt.datetime) -> bool:
    """Remove a deleted account's identity record, ciphertext and keyed hash
    with it; False if another process did it first (or it is not due)."""
    return await w.rowcount(
        "DELETE FROM identities WHERE account_id = ? AND account_deleted_at IS NOT NULL"
        " AND account_deleted_at < ?", (account_id, iso(cutoff))) == 1


async def mark_remote_deleted(w: Writer, account_id: int, at: dt.datetime) -> bool:
    """A remote account its origin deleted for good; False if marked already."""
    stamp = iso(at)
    return await w.rowcount(
        "UPDATE accounts SET deleted_at = ?, suspended_at = coalesce(suspended_at, ?)"
        " WHERE id = ? AND domain IS NOT NULL AND deleted_at IS NULL", (stamp, stamp, account_id)) == 1


async def delivered_inboxes(db: Database, account_id: int, limit: int = 10_000) -> list[str]:
    """Inboxes that activities signed by the account were sent to (kept rows)."""
    rows = await db.fetchall("SELECT DISTINCT inbox_url FROM deliveries WHERE signer_account_id = ?"
                             " ORDER BY inbox_url LIMIT ?", (account_id, limit))
    return [str(r[0]) for r in rows]
