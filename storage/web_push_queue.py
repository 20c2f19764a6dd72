"""The Web Push queue: rows, claimed with a lease, never an in-memory list.

`enqueue_push` runs inside the transaction that creates a notification
(storage.notifications.notify), so a push exists exactly when its
notification does; it queues one row per subscription of the recipient
whose alerts and policy want that notification. A worker claims due rows
in one write transaction (state and lease, as storage.deliveries does),
so several server processes never send one push twice while the lease
holds; a row whose lease ran out is due again. A sent or abandoned row is
deleted.

PostgreSQL: the claim is the same select-then-update in one transaction
(`FOR UPDATE SKIP LOCKED` lets workers claim side by side).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import placeholders, to_rows

POLICIES = ("all", "followed", "follower", "none")
_DUE = ("(state = 'queued' AND next_attempt_at <= :now)"
        " OR (state = 'in_flight' AND claimed_until <= :now)")


@dataclass(frozen=True, slots=True)
class PushJob:
    notification_id: int
    subscription_id: int
    attempts: int
    claimed_until: str | None


def wants_push(alerts_json: str, policy: str, kind: str, *, follows_sender: bool,
               followed_by_sender: bool) -> bool:
    """Mastodon's pushable?: the alert is on and the policy lets the sender in
    (`followed`: accounts the recipient follows; `follower`: its followers)."""
    alerts = json.loads(alerts_json)
    if not isinstance(alerts, dict) or alerts.get(kind) is not True:
        return False
    return (policy == "all" or (policy == "followed" and follows_sender)
            or (policy == "follower" and followed_by_sender))


async def _follows(w: Writer, account_id: int, target_id: int) -> bool:
    return await w.fetchone("SELECT 1 FROM follows WHERE account_id = ? AND target_id = ?",
                            (account_id, target_id)) is not None


async def enqueue_push(w: Writer, notification_id: int, account_id: int, from_account_id: int,
                       kind: str) -> int:
    """Queue the pushes a new notification calls for; how many were queued."""
    now = now_iso()
    subs = await w.fetchall(
        "SELECT s.id, s.alerts_json, s.policy FROM push_subscriptions s"
        " JOIN oauth_tokens t ON t.id = s.token_id"
        " WHERE s.account_id = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)",
        (account_id, now))
    if not subs:
        return 0
    follows = await _follows(w, account_id, from_account_id)
    followed = await _follows(w, from_account_id, account_id)
    queued = 0
    for sub_id, alerts_json, policy in subs:
        if wants_push(alerts_json, policy, kind, follows_sender=follows, followed_by_sender=followed):
            queued += await w.rowcount(
                "INSERT INTO web_push_queue (notification_id, subscription_id, state, next_attempt_at,"
                " created_at) VALUES (?,?,'queued',?,?) ON CONFLICT (notification_id, subscription_id)"
                " DO NOTHING", (notification_id, sub_id, now, now))
    return queued


async def claim_due(db: Database, *, now: str, lease_until: str, limit: int) -> list[PushJob]:
    """Claim up to `limit` due rows (queued and due, or with a lapsed lease)."""
    async with db.write() as w:
        picked = await w.fetchall(
            f"SELECT notification_id, subscription_id FROM web_push_queue WHERE {_DUE}"
            " ORDER BY next_attempt_at LIMIT :limit", {"now": now, "limit": limit})
        if not picked:
            return []
        claimed = []
        for notification_id, subscription_id in picked:
            row = await w.fetchone(
                "UPDATE web_push_queue SET state = 'in_flight', claimed_until = ?, attempts = attempts + 1"
                " WHERE notification_id = ? AND subscription_id = ?"
                " RETURNING notification_id, subscription_id, attempts, claimed_until",
                (lease_until, notification_id, subscription_id))
            if row is not None:
                claimed.append(row)
    return to_rows(PushJob, claimed)


async def finish(db: Database, job: PushJob) -> bool:
    """Sent, or given up: the row goes; False if the lease was lost."""
    return await db.execute(
        "DELETE FROM web_push_queue WHERE notification_id = ? AND subscription_id = ?"
        " AND state = 'in_flight' AND claimed_until = ?",
        (job.notification_id, job.subscription_id, job.claimed_until)) > 0


async def reschedule(db: Database, job: PushJob, next_attempt_at: str, error: str) -> bool:
    return await db.execute(
        "UPDATE web_push_queue SET state = 'queued', next_attempt_at = ?, last_error = ?, claimed_until = NULL"
        " WHERE notification_id = ? AND subscription_id = ? AND state = 'in_flight' AND claimed_until = ?",
        (next_attempt_at, error[:500], job.notification_id, job.subscription_id, job.claimed_until)) > 0


async def next_due_at(db: Database) -> str | None:
    """When the earliest queued row (or lease) comes due; None when idle."""
    return await db.fetchval(
        "SELECT min(t) FROM (SELECT min(next_attempt_at) AS t FROM web_push_queue WHERE state = 'queued'"
        " UNION ALL SELECT min(claimed_until) FROM web_push_queue WHERE state = 'in_flight') AS due")


async def pending_for(db: Database, subscription_ids: list[int]) -> int:
    """Rows still queued or in flight for these subscriptions (tests, admin)."""
    if not subscription_ids:
        return 0
    return int(await db.fetchval(
        f"SELECT count(*) FROM web_push_queue WHERE subscription_id IN ({placeholders(subscription_ids)})",
        subscription_ids) or 0)
