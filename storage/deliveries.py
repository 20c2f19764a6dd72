"""The delivery queue: rows, never an in-process list (DESIGN.md).

One row per (activity, inbox). `claim_due` hands a worker the due rows in
one write transaction, marking them `in_flight` with a lease; a row whose
lease has run out is due again, so nothing is lost when a worker dies.
Every finishing write names the lease it holds (`claimed_until`), so a
worker that lost its lease to another cannot overwrite the newer outcome.

PostgreSQL: the claim becomes
`UPDATE deliveries SET state='in_flight', claimed_until=$lease, attempts=attempts+1
 WHERE id IN (SELECT id FROM deliveries WHERE <due> ORDER BY next_attempt_at
 LIMIT $n FOR UPDATE SKIP LOCKED) RETURNING *`, which lets several worker
processes claim side by side; SQLite's single writer serialises the same
select-then-update inside `BEGIN IMMEDIATE`.

Also here: the audience queries the outbox needs (followers' inboxes,
accounts' inboxes) and the peer restrictions of policy/permit_effects.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storage.compliance_counts import keep_delivery_days
from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.rows import placeholders, to_row, to_rows

STATES = ("queued", "in_flight", "done", "failed", "dropped")
_DUE = ("(state = 'queued' AND next_attempt_at <= :now)"
        " OR (state = 'in_flight' AND claimed_until <= :now)")


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    inbox_url: str
    host: str
    activity_id: str
    activity_json: str
    signer_account_id: int
    state: str
    attempts: int
    next_attempt_at: str
    last_error: str
    last_status: int | None
    created_at: str
    give_up_at: str
    claimed_until: str | None
    finished_at: str | None


@dataclass(frozen=True, slots=True)
class NewDelivery:
    inbox_url: str
    host: str
    activity_id: str
    activity_json: str
    signer_account_id: int


@dataclass(frozen=True, slots=True)
class InboxRow:
    """Where one remote account receives: its shared inbox when it has one."""

    account_id: int
    domain: str | None
    uri: str
    inbox_url: str
    shared_inbox_url: str

    @property
    def target(self) -> str:
        return self.shared_inbox_url or self.inbox_url


# ---- the queue ---------------------------------------------------------------

async def enqueue(db: Database, ids: IdGenerator, items: Sequence[NewDelivery], *,
                  now: str, give_up_at: str) -> int:
    """Insert rows (an (activity, inbox) already queued is kept); how many were new."""
    if not items:
        return 0
    async with db.write() as w:
        return await enqueue_in(w, ids, items, now=now, give_up_at=give_up_at)


async def enqueue_in(w: Writer, ids: IdGenerator, items: Iterable[NewDelivery], *,
                     now: str, give_up_at: str) -> int:
    """`enqueue` inside the caller's transaction (an outbox in one commit)."""
    added = 0
    for item in items:
        added += await w.rowcount(
            "INSERT INTO deliveries (id, inbox_url, host, activity_id, activity_json, signer_account_id,"
            " state, next_attempt_at, created_at, give_up_at) VALUES (?,?,?,?,?,?,'queued',?,?,?)"
            " ON CONFLICT (activity_id, inbox_url) DO NOTHING",
            (ids.next_id(), item.inbox_url, item.host, item.activity_id, item.activity_json,
             item.signer_account_id, now, now, give_up_at))
    return added


async def claim_due(db: Database, *, now: str, lease_until: str, limit: int) -> list[DeliveryRow]:
    """Claim up to `limit` due rows (queued and due, or with an expired lease)."""
    async with db.write() as w:
        picked = await w.fetchall(
            f"SELECT id FROM deliveries WHERE {_DUE} ORDER BY next_attempt_at LIMIT :limit",
            {"now": now, "limit": limit})
        chosen = [r[0] for r in picked]
        if not chosen:
            return []
        marks = placeholders(chosen)
        await w.execute(
            f"UPDATE deliveries SET state = 'in_flight', claimed_until = ?, attempts = attempts + 1"
            f" WHERE id IN ({marks})", (lease_until, *chosen))
        rows = await w.fetchall(f"SELECT * FROM deliveries WHERE id IN ({marks}) ORDER BY next_attempt_at",
                                chosen)
    return to_rows(DeliveryRow, rows)


async def finish(db: Database, row: DeliveryRow, state: str, *, status: int | None = None,
                 error: str = "") -> bool:
    """done, failed or dropped: a final state; False if the lease was lost."""
    assert state in ("done", "failed", "dropped")
    return await db.execute(
        "UPDATE deliveries SET state = ?, last_status = ?, last_error = ?, finished_at = ?,"
        " claimed_until = NULL WHERE id = ? AND state = 'in_flight' AND claimed_until = ?",
        (state, status, error[:500], now_iso(), row.id, row.claimed_until)) > 0


async def reschedule(db: Database, row: DeliveryRow, next_attempt_at: str, *,
                     status: int | None = None, error: str = "") -> bool:
    """Back to queued, due at `next_attempt_at`; False if the lease was lost."""
    return await db.execute(
        "UPDATE deliveries SET state = 'queued', next_attempt_at = ?, last_status = ?, last_error = ?,"
        " claimed_until = NULL WHERE id = ? AND state = 'in_flight' AND claimed_until = ?",
        (next_attempt_at, status, error[:500], row.id, row.claimed_until)) > 0


async def next_due_at(db: Database) -> str | None:
    """When the earliest queued row (or lease) comes due; None when idle."""
    return await db.fetchval(
        "SELECT min(t) FROM (SELECT min(next_attempt_at) AS t FROM deliveries WHERE state = 'queued'"
        " UNION ALL SELECT min(claimed_until) FROM deliveries WHERE state = 'in_flight') AS due")


async def drop_pending_for_host(w: Writer, host: str, reason: str) -> int:
    """Queued rows to `host` become dropped (in-flight ones are re-checked by
    the worker's gate before any retry)."""
    return await w.rowcount(
        "UPDATE deliveries SET state = 'dropped', last_error = ?, finished_at = ?, claimed_until = NULL"
        " WHERE host = ? AND state = 'queued'", (reason[:500], now_iso(), host))


async def prune_finished(db: Database, *, before: str, limit: int = 1000) -> int:
    """Delete up to `limit` rows finished (done, failed, dropped) before
    `before`, counted first in `delivery_days` (the compliance figures)."""
    async with db.write() as w:
        rows = await w.fetchall(
            "SELECT id FROM deliveries WHERE state IN ('done','failed','dropped') AND finished_at < ? LIMIT ?",
            (before, limit))
        ids = [r[0] for r in rows]
        if not ids:
            return 0
        await keep_delivery_days(w, ids)
        return await w.rowcount(f"DELETE FROM deliveries WHERE id IN ({placeholders(ids)})", ids)


async def get_delivery(db: Database, delivery_id: int) -> DeliveryRow | None:
    return to_row(DeliveryRow, await db.fetchone("SELECT * FROM deliveries WHERE id = ?", (delivery_id,)))


async def deliveries_of(db: Database, activity_id: str) -> list[DeliveryRow]:
    return to_rows(DeliveryRow, await db.fetchall(
        "SELECT * FROM deliveries WHERE activity_id = ? ORDER BY id", (activity_id,)))


async def count_by_state(db: Database) -> dict[str, int]:
    rows = await db.fetchall("SELECT state, count(*) FROM deliveries GROUP BY state")
    return {state: 0 for state in STATES} | {r[0]: r[1] for r in rows}


# ---- audiences ----------------------------------------------------------------

_INBOX = "a.id AS account_id, a.domain, a.uri, a.inbox_url, a.shared_inbox_url"


async def follower_inboxes(db: Database, account_id: int) -> list[InboxRow]:
    """Remote followers of a local account (frozen follows left out)."""
    return to_rows(InboxRow, await db.fetchall(
        f"SELECT {_INBOX} FROM follows f JOIN accounts a ON a.id = f.account_id"
        " WHERE f.target_id = ? AND f.frozen = 0 AND a.domain IS NOT NULL ORDER BY a.id", (account_id,)))


async def account_inboxes(db: Database, account_ids: Sequence[int]) -> list[InboxRow]:
    """The given accounts that are remote, with their inboxes."""
    if not account_ids:
        return []
    unique = list(dict.fromkeys(account_ids))
    return to_rows(InboxRow, await db.fetchall(
        f"SELECT {_INBOX} FROM accounts a WHERE a.domain IS NOT NULL AND a.id IN ({placeholders(unique)})"
        " ORDER BY a.id", unique))


@dataclass(frozen=True, slots=True)
class Reach:
    """Who a status reached beyond its author's followers and mentions
    (Mastodon's StatusReachFinder): boosters, favouriters, repliers."""

    account_ids: tuple[int, ...]
    local_booster_ids: tuple[int, ...]  # their followers received the boost


async def status_reach(db: Database, status_id: int) -> Reach:
    rows = await db.fetchall(
        "SELECT s.account_id, CASE WHEN a.domain IS NULL THEN 1 ELSE 0 END FROM statuses s JOIN accounts a ON a.id = s.account_id"
        " WHERE s.reblog_of_id = :id"
        " UNION SELECT f.account_id, 0 FROM favourites f WHERE f.status_id = :id"
        " UNION SELECT r.account_id, 0 FROM statuses r WHERE r.in_reply_to_id = :id", {"id": status_id})
    ids = tuple(dict.fromkeys(int(r[0]) for r in rows))
    return Reach(ids, tuple(dict.fromkeys(int(r[0]) for r in rows if r[1])))


# ---- peer restrictions (permit suspended or revoked) --------------------------

_OF_HOST = ("SELECT id FROM accounts WHERE domain IS NOT NULL AND (lower(domain) = :host"
            " OR uri LIKE 'https://' || :host || '/%' OR uri LIKE 'http://' || :host || '/%')")


async def restrict_peer(w: Writer, host: str, status: str, reason: str) -> int:
    """List the host and freeze every follow to or from its accounts."""
    await w.execute(
        "INSERT INTO restricted_peers (host, status, reason, since) VALUES (?,?,?,?)"
        " ON CONFLICT (host) DO UPDATE SET status = excluded.status, reason = excluded.reason",
        (host, status, reason, now_iso()))
    return await w.rowcount(
        f"UPDATE follows SET frozen = 1 WHERE frozen = 0 AND (account_id IN ({_OF_HOST})"
        f" OR target_id IN ({_OF_HOST}))", {"host": host})


async def release_peer(w: Writer, host: str) -> int:
    """Unlist the host and thaw its accounts' follows; how many were thawed.

    Only `restrict_peer` freezes follows, and it always lists the host: an
    unlisted host has nothing frozen, so the scan of its accounts is skipped
    (a registry sync adds thousands of hosts at once)."""
    if not await w.rowcount("DELETE FROM restricted_peers WHERE host = ?", (host,)):
        return 0
    return await w.rowcount(
        f"UPDATE follows SET frozen = 0 WHERE frozen = 1 AND (account_id IN ({_OF_HOST})"
        f" OR target_id IN ({_OF_HOST}))", {"host": host})


async def is_restricted(db: Database, host: str) -> bool:
    return await db.fetchval("SELECT 1 FROM restricted_peers WHERE host = ?", (host,)) is not None


async def follow_uri(db: Database, account_id: int, target_id: int) -> str | None:
    """The Follow id recorded on a follow or a pending request (None: none sent yet)."""
    return await db.fetchval(
        "SELECT uri FROM follows WHERE account_id = :a AND target_id = :t AND uri IS NOT NULL"
        " UNION ALL SELECT uri FROM follow_requests WHERE account_id = :a AND target_id = :t"
        " AND uri IS NOT NULL LIMIT 1", {"a": account_id, "t": target_id})


async def follow_request_uri(db: Database, account_id: int, target_id: int) -> str | None:
    """The id of the Follow a remote account sent, while its request waits."""
    return await db.fetchval("SELECT uri FROM follow_requests WHERE account_id = ? AND target_id = ?",
                             (account_id, target_id))
