"""The mail outbox: rows, claimed with a lease, never an in-memory list.

`enqueue` stores a message (its body already encrypted by the caller). A
worker claims due rows in one write transaction, marking them `in_flight`
with a lease (as storage.deliveries and storage.web_push_queue do): write
transactions are serialised (SQLite's single writer, PostgreSQL's advisory
write lock), so two processes never claim one row while its lease holds,
and a row whose lease ran out (a worker that died) is due again. A sent
message is deleted; one that failed its last attempt stays as `dead`.
Every finishing write names the lease it holds (`claimed_until`).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import to_rows

_DUE = ("(state = 'queued' AND next_attempt_at <= :now)"
        " OR (state = 'in_flight' AND claimed_until <= :now)")


@dataclass(frozen=True, slots=True)
class MailRow:
    id: int
    account_id: int | None
    kind: str
    recipient: str
    body: str  # a vault blob
    state: str
    attempts: int
    next_attempt_at: str
    claimed_until: str | None
    last_error: str
    created_at: str


async def enqueue(w: Writer, mail_id: int, account_id: int | None, kind: str, recipient: str, body: str) -> None:
    now = now_iso()
    await w.execute(
        "INSERT INTO mail_outbox (id, account_id, kind, recipient, body, state, next_attempt_at, created_at)"
        " VALUES (?,?,?,?,?,'queued',?,?)", (mail_id, account_id, kind, recipient, body, now, now))


async def claim_due(db: Database, *, now: str, lease_until: str, limit: int) -> list[MailRow]:
    """Claim up to `limit` due rows (queued and due, or with a lapsed lease)."""
    async with db.write() as w:
        picked = await w.fetchall(f"SELECT id FROM mail_outbox WHERE {_DUE} ORDER BY next_attempt_at LIMIT :limit",
                                  {"now": now, "limit": limit})
        claimed = []
        for (mail_id,) in picked:
            row = await w.fetchone(
                "UPDATE mail_outbox SET state = 'in_flight', claimed_until = ?, attempts = attempts + 1"
                " WHERE id = ? RETURNING *", (lease_until, mail_id))
            if row is not None:
                claimed.append(row)
    return to_rows(MailRow, claimed)


async def sent(db: Database, row: MailRow) -> bool:
    """Delivered: the row (and the secret it carries) goes; False if the lease was lost."""
    return await db.execute("DELETE FROM mail_outbox WHERE id = ? AND state = 'in_flight' AND claimed_until = ?",
                            (row.id, row.claimed_until)) > 0


async def reschedule(db: Database, row: MailRow, next_attempt_at: str, error: str) -> bool:
    return await db.execute(
        "UPDATE mail_outbox SET state = 'queued', next_attempt_at = ?, last_error = ?, claimed_until = NULL"
        " WHERE id = ? AND state = 'in_flight' AND claimed_until = ?",
        (next_attempt_at, error[:500], row.id, row.claimed_until)) > 0


async def give_up(db: Database, row: MailRow, error: str) -> bool:
    """The last attempt failed: kept as `dead`, for the admin to see."""
    return await db.execute(
        "UPDATE mail_outbox SET state = 'dead', last_error = ?, claimed_until = NULL"
        " WHERE id = ? AND state = 'in_flight' AND claimed_until = ?", (error[:500], row.id, row.claimed_until)) > 0


async def next_due_at(db: Database) -> str | None:
    """When the earliest queued row (or lease) comes due; None when idle."""
    return await db.fetchval(
        "SELECT min(t) FROM (SELECT min(next_attempt_at) AS t FROM mail_outbox WHERE state = 'queued'"
        " UNION ALL SELECT min(claimed_until) FROM mail_outbox WHERE state = 'in_flight') AS due")


async def list_rows(db: Database, state: str | None = None) -> list[MailRow]:
    """The queue as it stands (the `mail queue` command, tests), oldest first."""
    if state is None:
        return to_rows(MailRow, await db.fetchall("SELECT * FROM mail_outbox ORDER BY created_at, id"))
    return to_rows(MailRow, await db.fetchall("SELECT * FROM mail_outbox WHERE state = ? ORDER BY created_at, id",
                                              (state,)))


async def retry_dead(db: Database, mail_id: int) -> MailRow | None:
    """A dead message queued again, due now, with its attempts counted anew
    (an admin fixed the cause); None when no dead message has that id."""
    async with db.write() as w:
        rows = to_rows(MailRow, await w.fetchall("SELECT * FROM mail_outbox WHERE id = ? AND state = 'dead'",
                                                 (mail_id,)))
        if not rows:
            return None
        await w.execute("UPDATE mail_outbox SET state = 'queued', attempts = 0, next_attempt_at = ?,"
                        " claimed_until = NULL WHERE id = ? AND state = 'dead'", (now_iso(), mail_id))
    return rows[0]
