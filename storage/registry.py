"""Registry subscriptions and the entries each last offered (migration 0070).

A sync claims its subscription with a lease (`claimed_until`) in a write
transaction, so that with several server processes on one database only
one fetches and applies it; every finishing write names that lease and
does nothing (returns False) when another process has taken it over.

The claim is a select, then an UPDATE that repeats the "not leased"
condition: SQLite's single writer serialises both inside `BEGIN
IMMEDIATE`, and on PostgreSQL a second process whose select saw the same
row finds the condition false once the first has committed (the UPDATE
re-checks it on the locked row), claims nothing and tries again later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.database import Database, Writer
from storage.rows import placeholders, to_row, to_rows

Conn = Database | Writer


@dataclass(frozen=True, slots=True)
class SubscriptionRow:
    id: int
    seq: int
    url: str
    public_key: str
    permits_mode: str
    lists_mode: str
    priority: int
    created_at: str
    updated_at: str
    next_sync_at: str
    claimed_until: str | None
    failures: int
    last_fetch_at: str | None
    last_success_at: str | None
    last_version: int | None
    last_digest: str | None
    last_issued_at: str | None
    last_expires_at: str | None
    last_error: str
    last_error_at: str | None


@dataclass(frozen=True, slots=True)
class EntryRow:
    subscription_id: int
    host: str
    number: str
    kind: str
    holder: str
    status: str
    valid_until: str | None
    digest: str
    approved_digest: str | None
    first_seen_at: str
    updated_at: str

    @property
    def approved(self) -> bool:
        return self.approved_digest == self.digest


@dataclass(frozen=True, slots=True)
class NewEntry:
    host: str
    number: str
    kind: str
    holder: str
    status: str
    valid_until: str | None
    digest: str


@dataclass(frozen=True, slots=True)
class NewSubscription:
    url: str
    public_key: str
    permits_mode: str
    lists_mode: str
    priority: int


@dataclass(frozen=True, slots=True)
class GoodDocument:
    """What a sync records of the document it applied (or found unchanged)."""

    version: int
    digest: str
    issued_at: str
    expires_at: str


async def insert_subscription(w: Writer, sub_id: int, new: NewSubscription, now: str) -> SubscriptionRow | None:
    """A new subscription, due at once; None when the URL is already subscribed."""
    if await w.fetchone("SELECT 1 FROM registry_subscriptions WHERE url = ?", (new.url,)):
        return None
    seq = int(await _value(w, "SELECT coalesce(max(seq), 0) + 1 FROM registry_subscriptions"))
    await w.execute(
        "INSERT INTO registry_subscriptions (id, seq, url, public_key, permits_mode, lists_mode, priority,"
        " created_at, updated_at, next_sync_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (sub_id, seq, new.url, new.public_key, new.permits_mode, new.lists_mode, new.priority, now, now, now))
    return await get_subscription(w, sub_id)


async def _value(conn: Conn, sql: str, params: Sequence[object] = ()) -> Any:
    row = await conn.fetchone(sql, params)
    return row[0] if row is not None else None


async def get_subscription(conn: Conn, sub_id: int) -> SubscriptionRow | None:
    return to_row(SubscriptionRow, await conn.fetchone(
        "SELECT * FROM registry_subscriptions WHERE id = ?", (sub_id,)))


async def list_subscriptions(conn: Conn) -> list[SubscriptionRow]:
    """Highest priority first, as the merge ranks them."""
    return to_rows(SubscriptionRow, await conn.fetchall(
        "SELECT * FROM registry_subscriptions ORDER BY priority DESC, id"))


async def claim_subscription(db: Database, *, now: str, lease_until: str,
                             sub_id: int | None = None) -> SubscriptionRow | None:
    """Lease one subscription: `sub_id` if no one holds it, else the most urgent due one."""
    free = "(claimed_until IS NULL OR claimed_until <= :now)"
    due = (f"SELECT id FROM registry_subscriptions WHERE next_sync_at <= :now AND {free}"
           " ORDER BY priority DESC, next_sync_at LIMIT 1")
    if sub_id is None and await db.fetchone(due, {"now": now}) is None:
        return None  # the usual answer, from a reader: the minute's sweep takes no write lock
    async with db.write() as w:
        if sub_id is None:
            row = await w.fetchone(due, {"now": now})
            if row is None:
                return None
            sub_id = int(row[0])
        taken = await w.rowcount(
            f"UPDATE registry_subscriptions SET claimed_until = :lease WHERE id = :id AND {free}",
            {"lease": lease_until, "id": sub_id, "now": now})
        return await get_subscription(w, sub_id) if taken else None


async def holds_lease(conn: Conn, sub: SubscriptionRow) -> bool:
    """Whether `sub`'s lease (as claimed) is still the one recorded."""
    return await conn.fetchone("SELECT 1 FROM registry_subscriptions WHERE id = ? AND claimed_until = ?",
                               (sub.id, sub.claimed_until)) is not None


async def finish_failure(w: Writer, sub: SubscriptionRow, *, now: str, error: str,
                         next_sync_at: str) -> bool:
    """Record a failed attempt and free the lease; False if the lease was lost."""
    return await w.rowcount(
        "UPDATE registry_subscriptions SET claimed_until = NULL, failures = failures + 1, last_fetch_at = ?,"
        " last_error = ?, last_error_at = ?, next_sync_at = ? WHERE id = ? AND claimed_until = ?",
        (now, error[:1000], now, next_sync_at, sub.id, sub.claimed_until)) > 0


async def finish_success(w: Writer, sub: SubscriptionRow, good: GoodDocument, *, now: str,
                         next_sync_at: str) -> bool:
    """Record the document in force and free the lease, inside the apply's transaction."""
    return await w.rowcount(
        "UPDATE registry_subscriptions SET claimed_until = NULL, failures = 0, last_fetch_at = ?,"
        " last_success_at = ?, last_version = ?, last_digest = ?, last_issued_at = ?, last_expires_at = ?,"
        " last_error = '', next_sync_at = ? WHERE id = ? AND claimed_until = ?",
        (now, now, good.version, good.digest, good.issued_at, good.expires_at, next_sync_at,
         sub.id, sub.claimed_until)) > 0


async def release(db: Database, sub: SubscriptionRow) -> None:
    """Give a lease back without recording anything (a sync that was interrupted)."""
    await db.execute("UPDATE registry_subscriptions SET claimed_until = NULL WHERE id = ? AND claimed_until = ?",
                     (sub.id, sub.claimed_until))


async def entries_of(conn: Conn, sub_id: int) -> list[EntryRow]:
    return to_rows(EntryRow, await conn.fetchall(
        "SELECT * FROM registry_entries WHERE subscription_id = ? ORDER BY host", (sub_id,)))


async def entries_for_hosts(conn: Conn, hosts: Sequence[str]) -> list[EntryRow]:
    """Every subscription's entry for these hosts."""
    if not hosts:
        return []
    return to_rows(EntryRow, await conn.fetchall(
        f"SELECT * FROM registry_entries WHERE host IN ({placeholders(hosts)}) ORDER BY host, subscription_id",
        list(hosts)))


async def replace_entries(w: Writer, sub_id: int, entries: Iterable[NewEntry], now: str) -> set[str]:
    """Make the subscription's entries exactly `entries`; the hosts added, changed or dropped.

    An entry whose fields did not change keeps its approval and first sighting.
    """
    old = {e.host: e for e in await entries_of(w, sub_id)}
    new = {e.host: e for e in entries}
    touched = set(old) - set(new)
    for host in sorted(touched):
        await w.execute("DELETE FROM registry_entries WHERE subscription_id = ? AND host = ?", (sub_id, host))
    for host, e in new.items():
        if host in old and old[host].digest == e.digest:
            continue
        touched.add(host)
        await w.execute(
            "INSERT INTO registry_entries (subscription_id, host, number, kind, holder, status, valid_until,"
            " digest, first_seen_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (subscription_id, host) DO UPDATE SET number = excluded.number, kind = excluded.kind,"
            " holder = excluded.holder, status = excluded.status, valid_until = excluded.valid_until,"
            " digest = excluded.digest, updated_at = excluded.updated_at",
            (sub_id, host, e.number, e.kind, e.holder, e.status, e.valid_until, e.digest, now, now))
    return touched


async def approve_entries(w: Writer, sub_id: int, hosts: Sequence[str] | None) -> list[str]:
    """Approve the waiting entries (all, or these hosts); the hosts approved."""
    waiting = [e.host for e in await entries_of(w, sub_id) if not e.approved
               and (hosts is None or e.host in hosts)]
    if waiting:
        await w.execute(
            f"UPDATE registry_entries SET approved_digest = digest WHERE subscription_id = ?"
            f" AND host IN ({placeholders(waiting)})", (sub_id, *waiting))
    return waiting


async def pending_entries(conn: Conn) -> list[EntryRow]:
    """Entries of draft subscriptions that wait for an admin's approval."""
    return to_rows(EntryRow, await conn.fetchall(
        "SELECT e.* FROM registry_entries e JOIN registry_subscriptions s ON s.id = e.subscription_id"
        " WHERE s.permits_mode = 'draft' AND (e.approved_digest IS NULL OR e.approved_digest <> e.digest)"
        " ORDER BY e.subscription_id, e.host"))


async def update_settings(w: Writer, sub_id: int, *, permits_mode: str, lists_mode: str, priority: int,
                          now: str, sync_now: bool) -> None:
    await w.execute(
        "UPDATE registry_subscriptions SET permits_mode = ?, lists_mode = ?, priority = ?, updated_at = ?,"
        " next_sync_at = CASE WHEN ? = 1 THEN ? ELSE next_sync_at END WHERE id = ?",
        (permits_mode, lists_mode, priority, now, int(sync_now), now, sub_id))


async def delete_subscription(w: Writer, sub_id: int) -> list[str]:
    """Remove the subscription and its entries; the hosts it offered."""
    hosts = [e.host for e in await entries_of(w, sub_id)]
    await w.execute("DELETE FROM registry_entries WHERE subscription_id = ?", (sub_id,))
    await w.execute("DELETE FROM registry_subscriptions WHERE id = ?", (sub_id,))
    return hosts


async def entry_counts(conn: Conn) -> dict[int, int]:
    rows = await conn.fetchall("SELECT subscription_id, count(*) FROM registry_entries GROUP BY subscription_id")
    return {int(r[0]): int(r[1]) for r in rows}


async def permits_in_force(conn: Conn) -> dict[str, int]:
    """Active permits each subscription manages, by source (`registry:<id>`)."""
    rows = await conn.fetchall(
        "SELECT source, count(*) FROM permits WHERE source LIKE 'registry:%' AND status = 'active'"
        " GROUP BY source")
    return {str(r[0]): int(r[1]) for r in rows}
