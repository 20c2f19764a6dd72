"""Web Push subscriptions: one per access token, as Mastodon keeps them.

A new subscription for a token replaces the old one (and its queued
pushes) in one transaction, so two racing POSTs leave exactly one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from storage.clock import now_iso
from storage.database import Database
from storage.rows import to_row


@dataclass(frozen=True, slots=True)
class PushSubscriptionRow:
    id: int
    account_id: int
    token_id: int
    endpoint: str
    key_p256dh: str
    key_auth: str
    standard: int
    alerts_json: str
    policy: str
    access_token_blob: str
    created_at: str
    updated_at: str

    @property
    def alerts(self) -> dict[str, bool]:
        data = json.loads(self.alerts_json)
        return {str(k): bool(v) for k, v in data.items()} if isinstance(data, dict) else {}


@dataclass(frozen=True, slots=True)
class NewSubscription:
    id: int
    account_id: int
    token_id: int
    endpoint: str
    key_p256dh: str
    key_auth: str
    standard: bool
    alerts: dict[str, bool]
    policy: str
    access_token_blob: str


def _alerts_text(alerts: dict[str, bool]) -> str:
    return json.dumps(alerts, sort_keys=True, separators=(",", ":"))


async def replace_subscription(db: Database, new: NewSubscription) -> PushSubscriptionRow:
    """Store `new` as the token's only subscription."""
    now = now_iso()
    async with db.write() as w:
        await w.execute("DELETE FROM push_subscriptions WHERE token_id = ?", (new.token_id,))
        await w.execute(
            "INSERT INTO push_subscriptions (id, account_id, token_id, endpoint, key_p256dh, key_auth,"
            " standard, alerts_json, policy, access_token_blob, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (new.id, new.account_id, new.token_id, new.endpoint, new.key_p256dh, new.key_auth,
             1 if new.standard else 0, _alerts_text(new.alerts), new.policy, new.access_token_blob, now, now))
        row = await w.fetchone("SELECT * FROM push_subscriptions WHERE id = ?", (new.id,))
    found = to_row(PushSubscriptionRow, row)
    assert found is not None
    return found


async def subscription_for_token(db: Database, token_id: int) -> PushSubscriptionRow | None:
    return to_row(PushSubscriptionRow, await db.fetchone(
        "SELECT * FROM push_subscriptions WHERE token_id = ?", (token_id,)))


async def get_subscription(db: Database, subscription_id: int) -> PushSubscriptionRow | None:
    return to_row(PushSubscriptionRow, await db.fetchone(
        "SELECT * FROM push_subscriptions WHERE id = ?", (subscription_id,)))


async def update_data(db: Database, token_id: int, alerts: dict[str, bool], policy: str) -> PushSubscriptionRow | None:
    """Replace what a token's subscription receives (Mastodon replaces
    `data` whole: an alert not sent is off); None if it has none."""
    async with db.write() as w:
        await w.execute(
            "UPDATE push_subscriptions SET alerts_json = ?, policy = ?, updated_at = ? WHERE token_id = ?",
            (_alerts_text(alerts), policy, now_iso(), token_id))
        updated = await w.fetchone("SELECT * FROM push_subscriptions WHERE token_id = ?", (token_id,))
    return to_row(PushSubscriptionRow, updated)


async def delete_for_token(db: Database, token_id: int) -> int:
    return await db.execute("DELETE FROM push_subscriptions WHERE token_id = ?", (token_id,))


async def delete_subscription(db: Database, subscription_id: int) -> int:
    """The push service said the endpoint is gone (404/410)."""
    return await db.execute("DELETE FROM push_subscriptions WHERE id = ?", (subscription_id,))
