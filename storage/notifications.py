"""Notifications, the write side: one row per event.

Grouping follows Mastodon: favourites and reblogs of one status, follows
and admin sign-ups share a `group_key` of the form `{type}[-{status}]-{hour}`
where `hour` is the hour the group started; a group spans at most twelve
hours, then the next event starts a new one. Every other notification has
`ungrouped-{id}`. Reads (and v2 grouping of a page) are in
`storage.notification_queries`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.notification_filter import facts_about, verdict
from storage.web_push_queue import enqueue_push

GROUPABLE = frozenset({"favourite", "reblog", "follow", "admin.sign_up"})
MAX_GROUP_SPAN_HOURS = 12


def group_prefix(kind: str, status_id: int | None) -> str:
    if kind in ("favourite", "reblog"):
        return f"{kind}-{status_id}"
    return kind


async def _group_key(w: Writer, account_id: int, kind: str, status_id: int | None,
                     hour: int) -> str:
    """Join the latest group of this kind unless it started 12+ hours ago."""
    prefix = group_prefix(kind, status_id)
    row = await w.fetchone(
        "SELECT group_key FROM notifications WHERE account_id = ? AND type = ?"
        " AND group_key LIKE ? ESCAPE '\\' ORDER BY id DESC LIMIT 1",
        (account_id, kind, prefix.replace("_", "\\_").replace("%", "\\%") + "-%"),
    )
    if row is not None:
        previous = row["group_key"].rpartition("-")[2]
        if previous.isdigit() and hour < int(previous) + MAX_GROUP_SPAN_HOURS:
            return f"{prefix}-{previous}"
    return f"{prefix}-{hour}"


async def _target_status(w: Writer, status_id: int | None) -> int | None:
    """The status a notification is about: for a boost, the boosted one.

    A reblog notification keeps the boost's own id as status_id (deleting
    the boost deletes the notification, as in Mastodon), but groups and
    shows the original."""
    if status_id is None:
        return None
    row = await w.fetchone("SELECT coalesce(reblog_of_id, id) FROM statuses WHERE id = ?", (status_id,))
    return status_id if row is None else int(row[0])


async def _next_id(w: Writer) -> int:
    row = await w.fetchone(
        "UPDATE id_sequences SET value = value + 1 WHERE name = 'notifications' RETURNING value")
    assert row is not None, "migration 0012 seeds the notifications counter"
    return int(row[0])


async def notify(w: Writer, ids: IdGenerator, account_id: int, from_account_id: int, kind: str,
                 status_id: int | None = None, extra: dict[str, Any] | None = None, *,
                 allow_self: bool = False) -> int | None:
    """Record a notification for a local account; skips self-notifications
    (unless `allow_self`: an author's own poll ended, as Mastodon) and
    notifications from accounts the recipient blocks or mutes. The
    recipient's domain blocks and notification policy then keep, filter
    or drop it (`storage.notification_filter`); a filtered mention opens
    or updates the sender's notification request.

    Notification ids come from their own counter (see migration 0012);
    `ids` numbers the requests."""
    if account_id == from_account_id and not allow_self:
        return None
    local = await w.fetchone("SELECT 1 FROM users WHERE account_id = ?", (account_id,))
    if local is None:
        return None
    hidden = await w.fetchone(
        "SELECT 1 FROM blocks WHERE account_id = ? AND target_id = ?"
        " UNION SELECT 1 FROM mutes WHERE account_id = ? AND target_id = ? AND hide_notifications = 1"
        " AND (expires_at IS NULL OR expires_at > ?)",
        (account_id, from_account_id, account_id, from_account_id, now_iso()),
    )
    if hidden is not None:
        return None
    judged = await facts_about(w, account_id, from_account_id, kind, status_id)
    outcome = "keep" if judged is None else verdict(*judged, kind)
    if outcome == "drop":
        return None
    nid = await _next_id(w)
    if kind in GROUPABLE:
        target = await _target_status(w, status_id)
        key = await _group_key(w, account_id, kind, target, int(time.time()) // 3600)
    else:
        key = f"ungrouped-{nid}"
    await w.execute(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, group_key,"
        " extra_json, created_at, filtered) VALUES (?,?,?,?,?,?,?,?,?)",
        (nid, account_id, from_account_id, kind, status_id, key,
         json.dumps(extra, ensure_ascii=False) if extra else None, now_iso(), int(outcome == "filter")),
    )
    if outcome == "filter":  # into the requests, never pushed (as Mastodon)
        if kind == "mention":
            await _request_from(w, ids, account_id, from_account_id, status_id)
    else:
        await enqueue_push(w, nid, account_id, from_account_id, kind)  # Web Push, in the same commit
    return nid


async def _request_from(w: Writer, ids: IdGenerator, account_id: int, from_account_id: int,
                        status_id: int | None) -> None:
    """Mastodon's update_notification_request!: one request per sender,
    pointing at the sender's latest filtered mention."""
    stamp = now_iso()
    await w.execute(
        "INSERT INTO notification_requests (id, account_id, from_account_id, last_status_id, created_at,"
        " updated_at) VALUES (?,?,?,?,?,?) ON CONFLICT (account_id, from_account_id) DO UPDATE SET"
        " last_status_id = excluded.last_status_id, updated_at = excluded.updated_at",
        (ids.next_id(), account_id, from_account_id, status_id, stamp, stamp))


async def dismiss_notification(db: Database, account_id: int, notification_id: int) -> bool:
    """Delete one notification (Mastodon destroys it); False if not theirs."""
    async with db.write() as w:
        count = await w.rowcount(
            "DELETE FROM notifications WHERE id = ? AND account_id = ?", (notification_id, account_id))
    return count > 0


async def dismiss_group(db: Database, account_id: int, group_key: str) -> int:
    """Delete a group; `ungrouped-{id}` also names one notification shown
    alone although its type groups (a client's grouped_types)."""
    single = group_key.removeprefix("ungrouped-")
    by_id = int(single) if single != group_key and single.isdigit() else None
    async with db.write() as w:
        return await w.rowcount(
            "DELETE FROM notifications WHERE account_id = ? AND (group_key = ? OR id = ?)",
            (account_id, group_key, by_id))


async def clear_notifications(db: Database, account_id: int) -> int:
    async with db.write() as w:
        return await w.rowcount("DELETE FROM notifications WHERE account_id = ?", (account_id,))


async def notify_staff(w: Writer, ids: IdGenerator, from_account_id: int, kind: str, *,
                       exclude: Sequence[int] = (), extra: dict[str, Any] | None = None) -> None:
    """Notify every moderator and admin who is not suspended or excluded
    (`admin.report`, `admin.sign_up`: the staff notifications Mastodon has)."""
    staff = await w.fetchall(
        "SELECT u.account_id FROM users u JOIN accounts a ON a.id = u.account_id"
        " WHERE u.role IN ('admin', 'moderator') AND a.suspended_at IS NULL")
    for (account_id,) in staff:
        if account_id not in exclude:
            await notify(w, ids, account_id, from_account_id, kind, extra=extra)
