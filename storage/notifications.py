"""Notifications: one row per event; grouping happens when reading v2."""

from __future__ import annotations

import json
from typing import Any

from storage.clock import now_iso
from storage.database import Writer
from storage.ids import IdGenerator

# Mastodon groups favourites, reblogs and follows; others stand alone.
GROUPED = {"favourite", "reblog", "follow"}


def group_key(kind: str, notification_id: int, status_id: int | None) -> str:
    if kind in ("favourite", "reblog") and status_id is not None:
        return f"{kind}-{status_id}"
    if kind == "follow":
        return "follow"
    return f"ungrouped-{notification_id}"


async def notify(w: Writer, ids: IdGenerator, account_id: int, from_account_id: int, kind: str,
                 status_id: int | None = None, extra: dict[str, Any] | None = None) -> int | None:
    """Record a notification for a local account; skips self-notifications
    and notifications from accounts the recipient blocks or mutes."""
    if account_id == from_account_id:
        return None
    local = await w.fetchone("SELECT 1 FROM users WHERE account_id = ?", (account_id,))
    if local is None:
        return None
    hidden = await w.fetchone(
        "SELECT 1 FROM blocks WHERE account_id = ? AND target_id = ?"
        " UNION SELECT 1 FROM mutes WHERE account_id = ? AND target_id = ? AND hide_notifications = 1",
        (account_id, from_account_id, account_id, from_account_id),
    )
    if hidden is not None:
        return None
    nid = ids.next_id()
    await w.execute(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, group_key,"
        " extra_json, created_at) VALUES (?,?,?,?,?,?,?,?)",
        (nid, account_id, from_account_id, kind, status_id, group_key(kind, nid, status_id),
         json.dumps(extra) if extra else None, now_iso()),
    )
    return nid
