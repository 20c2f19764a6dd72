"""Quotes (one row per quoting status) and quote policies (one per status)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import execute_values, placeholders, to_row, to_rows

STATES = ("pending", "accepted", "rejected", "revoked")


@dataclass(frozen=True, slots=True)
class QuoteRow:
    id: int
    status_id: int
    account_id: int
    quoted_status_id: int | None
    quoted_account_id: int | None
    quoted_uri: str
    state: str
    activity_uri: str | None
    approval_uri: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class NewQuote:
    id: int
    status_id: int
    account_id: int
    quoted_status_id: int
    quoted_account_id: int
    quoted_uri: str
    state: str
    activity_uri: str | None = None
    approval_uri: str | None = None


async def insert_quote(w: Writer, quote: NewQuote) -> None:
    now = now_iso()
    await w.execute(
        "INSERT INTO quotes (id, status_id, account_id, quoted_status_id, quoted_account_id, quoted_uri, state,"
        " activity_uri, approval_uri, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (status_id) DO NOTHING",
        (quote.id, quote.status_id, quote.account_id, quote.quoted_status_id, quote.quoted_account_id,
         quote.quoted_uri, quote.state, quote.activity_uri, quote.approval_uri, now, now))


async def set_policy(w: Writer, status_id: int, policy: str) -> None:
    await set_policies(w, [(status_id, policy)])


async def set_state(db: Database | Writer, quote_id: int, state: str, *, approval_uri: str | None = None,
                    activity_uri: str | None = None) -> None:
    """A new state; the stamp and request ids are kept unless given."""
    assert state in STATES
    await db.execute(
        "UPDATE quotes SET state = ?, approval_uri = coalesce(?, approval_uri),"
        " activity_uri = coalesce(?, activity_uri), updated_at = ? WHERE id = ?",
        (state, approval_uri, activity_uri, now_iso(), quote_id))


async def quote_of_status(db: Database | Writer, status_id: int) -> QuoteRow | None:
    return to_row(QuoteRow, await db.fetchone("SELECT * FROM quotes WHERE status_id = ?", (status_id,)))


async def get_quote(db: Database, quote_id: int) -> QuoteRow | None:
    return to_row(QuoteRow, await db.fetchone("SELECT * FROM quotes WHERE id = ?", (quote_id,)))


async def quote_by_activity(db: Database, activity_uri: str) -> QuoteRow | None:
    return to_row(QuoteRow, await db.fetchone("SELECT * FROM quotes WHERE activity_uri = ?", (activity_uri,)))


async def quote_by_approval(db: Database, approval_uri: str) -> QuoteRow | None:
    return to_row(QuoteRow, await db.fetchone("SELECT * FROM quotes WHERE approval_uri = ?", (approval_uri,)))


async def quotes_of_statuses(db: Database, status_ids: Sequence[int]) -> dict[int, QuoteRow]:
    unique = list(dict.fromkeys(status_ids))
    if not unique:
        return {}
    rows = to_rows(QuoteRow, await db.fetchall(
        f"SELECT * FROM quotes WHERE status_id IN ({placeholders(unique)})", unique))
    return {r.status_id: r for r in rows}


async def policies_of(db: Database, status_ids: Sequence[int]) -> dict[int, str]:
    unique = list(dict.fromkeys(status_ids))
    if not unique:
        return {}
    rows = await db.fetchall(
        f"SELECT status_id, policy FROM quote_policies WHERE status_id IN ({placeholders(unique)})", unique)
    return {int(r[0]): str(r[1]) for r in rows}


async def accepted_counts(db: Database, status_ids: Sequence[int]) -> dict[int, int]:
    """`quotes_count`: accepted quotes of each status."""
    unique = list(dict.fromkeys(status_ids))
    if not unique:
        return {}
    rows = await db.fetchall(
        f"SELECT quoted_status_id, count(*) FROM quotes WHERE state = 'accepted'"
        f" AND quoted_status_id IN ({placeholders(unique)}) GROUP BY quoted_status_id", unique)
    return {int(r[0]): int(r[1]) for r in rows}


async def followed_among(db: Database, viewer_id: int, account_ids: Sequence[int]) -> set[int]:
    """The accounts among `account_ids` that `viewer_id` follows."""
    unique = list(dict.fromkeys(account_ids))
    if not unique:
        return set()
    rows = await db.fetchall(
        f"SELECT target_id FROM follows WHERE account_id = ? AND target_id IN ({placeholders(unique)})",
        [viewer_id, *unique])
    return {int(r[0]) for r in rows}


async def follows(db: Database, account_id: int, target_id: int) -> bool:
    return bool(await followed_among(db, account_id, [target_id]))


async def quoting_status_ids(db: Database, quoted_status_id: int, *, max_id: int | None, limit: int) -> list[int]:
    """Statuses quoting this one with an accepted quote, newest first."""
    below = "" if max_id is None else " AND status_id < ?"
    args = (quoted_status_id, *(() if max_id is None else (max_id,)), limit)
    return [int(r[0]) for r in await db.fetchall(
        f"SELECT status_id FROM quotes WHERE quoted_status_id = ? AND state = 'accepted'{below}"
        " ORDER BY status_id DESC LIMIT ?", args)]


async def local_quoters_of(w: Writer, quoted_status_id: int) -> list[tuple[int, int]]:
    """(quoting status id, its local author) of accepted quotes: who hears of an edit."""
    rows = await w.fetchall(
        "SELECT q.status_id, q.account_id FROM quotes q JOIN users u ON u.account_id = q.account_id"
        " WHERE q.quoted_status_id = ? AND q.state = 'accepted'", (quoted_status_id,))
    return [(int(r[0]), int(r[1])) for r in rows]


async def set_policies(w: Writer, policies: Sequence[tuple[int, str]]) -> None:
    """`set_policy` for many statuses at once: (status id, policy) pairs."""
    await execute_values(w, "INSERT INTO quote_policies (status_id, policy) VALUES {values}"
                            " ON CONFLICT (status_id) DO UPDATE SET policy = excluded.policy", policies)
