"""Notification policies and requests, the reading and deciding side.

A request stands for one sender's filtered mentions of one recipient
(created by `storage.notifications.notify`). Accepting it, as Mastodon's
AcceptNotificationRequestService, records a permission (that sender is
never filtered again), returns the sender's filtered notifications to the
lists and removes the request; dismissing it, as
DismissNotificationRequestService, deletes the filtered notifications and
the request. Both happen in one write transaction, so the notifications
are "merged" as soon as the accept commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.notification_filter import POLICY_FIELDS, Policy
from storage.rows import placeholders, to_row, to_rows
from storage.timelines import Page, newest_first, page_sql

MAX_MEANINGFUL_COUNT = 100  # Mastodon counts up to this many


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: int
    account_id: int
    from_account_id: int
    last_status_id: int | None
    created_at: str
    updated_at: str
    notifications_count: int = 0


_SELECT = (
    "SELECT r.*, (SELECT count(*) FROM notifications n WHERE n.account_id = r.account_id"
    " AND n.from_account_id = r.from_account_id AND n.type = 'mention' AND n.filtered = 1) AS notifications_count"
    " FROM notification_requests r JOIN accounts a ON a.id = r.from_account_id"
    " WHERE r.account_id = :owner AND a.suspended_at IS NULL")


async def update_policy(db: Database, account_id: int, changes: dict[str, str]) -> None:
    """Set some of the policy's fields; the others keep their values."""
    assert set(changes) <= set(POLICY_FIELDS)
    columns = ", ".join(POLICY_FIELDS)
    async with db.write() as w:
        current = await w.fetchone(f"SELECT {columns} FROM notification_policies WHERE account_id = ?",
                                   (account_id,))
        base = Policy() if current is None else Policy(*(current[f] for f in POLICY_FIELDS))
        values = [changes.get(f, getattr(base, f)) for f in POLICY_FIELDS]
        await w.execute(
            f"INSERT INTO notification_policies (account_id, {columns}, updated_at)"
            f" VALUES (?, {placeholders(POLICY_FIELDS)}, ?) ON CONFLICT (account_id) DO UPDATE SET "
            + ", ".join(f"{f} = excluded.{f}" for f in (*POLICY_FIELDS, "updated_at")),
            (account_id, *values, now_iso()))


async def summary(db: Database, account_id: int) -> tuple[int, int]:
    """(pending requests, their filtered notifications), each counted up to 100."""
    rows = await db.fetchall(f"{_SELECT} ORDER BY r.id DESC LIMIT :limit",
                             {"owner": account_id, "limit": MAX_MEANINGFUL_COUNT})
    return len(rows), min(MAX_MEANINGFUL_COUNT, sum(int(r["notifications_count"]) for r in rows))


async def request_page(db: Database, account_id: int, page: Page) -> list[RequestRow]:
    where, order, paging = page_sql(page, "r.id")
    rows = await db.fetchall(f"{_SELECT} AND {where} {order}", {**paging, "owner": account_id})
    return newest_first(page, to_rows(RequestRow, rows))


async def get_request(db: Database, account_id: int, request_id: int) -> RequestRow | None:
    return to_row(RequestRow, await db.fetchone(f"{_SELECT} AND r.id = :id", {"owner": account_id,
                                                                              "id": request_id}))


async def _senders(w: Writer, account_id: int, request_ids: Sequence[int]) -> list[tuple[int, int]]:
    if not request_ids:
        return []
    rows = await w.fetchall(f"SELECT id, from_account_id FROM notification_requests WHERE account_id = ?"
                            f" AND id IN ({placeholders(request_ids)})", (account_id, *request_ids))
    return [(int(r[0]), int(r[1])) for r in rows]


async def accept(db: Database, ids: IdGenerator, account_id: int, request_ids: Sequence[int]) -> int:
    """Accept these requests (others' ids are ignored); how many were."""
    async with db.write() as w:
        found = await _senders(w, account_id, request_ids)
        for request_id, sender in found:
            await w.execute("INSERT INTO notification_permissions (id, account_id, from_account_id, created_at)"
                            " VALUES (?,?,?,?) ON CONFLICT (account_id, from_account_id) DO NOTHING",
                            (ids.next_id(), account_id, sender, now_iso()))
            await w.execute("UPDATE notifications SET filtered = 0 WHERE account_id = ? AND from_account_id = ?"
                            " AND filtered = 1", (account_id, sender))
            await w.execute("DELETE FROM notification_requests WHERE id = ?", (request_id,))
    return len(found)


async def dismiss(db: Database, account_id: int, request_ids: Sequence[int]) -> int:
    """Dismiss these requests: their filtered notifications go too."""
    async with db.write() as w:
        found = await _senders(w, account_id, request_ids)
        for request_id, sender in found:
            await w.execute("DELETE FROM notifications WHERE account_id = ? AND from_account_id = ?"
                            " AND filtered = 1", (account_id, sender))
            await w.execute("DELETE FROM notification_requests WHERE id = ?", (request_id,))
    return len(found)


async def merged(db: Database, account_id: int) -> bool:
    """Whether every accepted sender's notifications are back in the lists:
    none still filtered from a sender the account has permitted."""
    return await db.fetchval(
        "SELECT 1 FROM notifications n JOIN notification_permissions p ON p.account_id = n.account_id"
        " AND p.from_account_id = n.from_account_id WHERE n.account_id = ? AND n.filtered = 1 LIMIT 1",
        (account_id,)) is None
