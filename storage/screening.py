"""Screening hit counts and the queue of held or flagged content."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.clock import now_iso
from storage.compliance_counts import add_outcomes
from storage.database import Database, Writer
from storage.rows import to_row, to_rows

SETTING_RELOAD = "screening.reload_requested"
SETTING_VERSION = "screening.version"


@dataclass(frozen=True, slots=True)
class HitCount:
    rule_id: str
    policy_version: str
    category: str
    mode: str
    hits: int
    last_hit_at: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    id: int
    kind: str
    action: str
    status_id: int | None
    account_id: int
    decision_json: str
    policy_version: str
    state: str
    reason: str
    resolved_by: int | None
    created_at: str
    resolved_at: str | None

    @property
    def decision(self) -> dict[str, Any]:
        return json.loads(self.decision_json)


async def record_hits(db: Database, version: str, hits: Iterable[tuple[str, str, str]],
                      outcomes: Iterable[tuple[str, str]] = ()) -> None:
    """(rule_id, category, mode) of each hit; one upsert per rule. The
    decision's (category, outcome) pairs go to the daily compliance counts
    in the same transaction."""
    counts: dict[tuple[str, str, str], int] = {}
    for hit in hits:
        counts[hit] = counts.get(hit, 0) + 1
    if not counts:
        return
    now = now_iso()
    async with db.write() as w:
        await add_outcomes(w, outcomes)
        await w.executemany(
            "INSERT INTO screening_hits (rule_id, policy_version, category, mode, hits, last_hit_at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT (rule_id, policy_version)"
            " DO UPDATE SET hits = screening_hits.hits + excluded.hits, last_hit_at = excluded.last_hit_at",
            [(r, version, c, m, n, now) for (r, c, m), n in counts.items()],
        )


async def hit_counts(db: Database, version: str | None = None) -> list[HitCount]:
    if version is None:
        rows = await db.fetchall("SELECT * FROM screening_hits ORDER BY hits DESC, rule_id")
    else:
        rows = await db.fetchall("SELECT * FROM screening_hits WHERE policy_version = ?"
                                 " ORDER BY hits DESC, rule_id", (version,))
    return to_rows(HitCount, rows)


async def enqueue(w: Writer, item_id: int, *, kind: str, action: str, status_id: int | None,
                  account_id: int, decision: dict[str, Any], policy_version: str) -> None:
    await w.execute(
        "INSERT INTO moderation_queue (id, kind, action, status_id, account_id, decision_json,"
        " policy_version, created_at) VALUES (?,?,?,?,?,?,?,?)",
        (item_id, kind, action, status_id, account_id, json.dumps(decision, ensure_ascii=False),
         policy_version, now_iso()),
    )


async def list_queue(db: Database, *, state: str = "open", limit: int = 40,
                     max_id: int | None = None) -> list[QueueItem]:
    before = "" if max_id is None else f" AND id < {int(max_id)}"
    rows = await db.fetchall(
        f"SELECT * FROM moderation_queue WHERE state = ?{before} ORDER BY id DESC LIMIT ?", (state, limit))
    return to_rows(QueueItem, rows)


async def get_item(db: Database, item_id: int) -> QueueItem | None:
    return to_row(QueueItem, await db.fetchone("SELECT * FROM moderation_queue WHERE id = ?", (item_id,)))


async def was_published(db: Database, item: QueueItem) -> bool:
    """Whether the item's status had been published (and so federated)
    before the item held or flagged it: flagged content was; a held edit
    was unless the status itself is still, or was never, approved."""
    if item.status_id is None:
        return False
    if item.action == "flag":
        return True
    if item.kind != "edit":
        return False
    held = await db.fetchone(
        "SELECT 1 FROM moderation_queue WHERE status_id = ? AND kind = 'status' AND action = 'review'"
        " AND state != 'approved'", (item.status_id,))
    return held is None


async def resolve_item(w: Writer, item_id: int, state: str, by: int, reason: str) -> bool:
    """Close an open item; False if it was already closed (a second moderator)."""
    changed = await w.rowcount(
        "UPDATE moderation_queue SET state = ?, resolved_by = ?, reason = ?, resolved_at = ?"
        " WHERE id = ? AND state = 'open'",
        (state, by, reason, now_iso(), item_id),
    )
    return changed == 1


async def get_setting(db: Database, key: str) -> str | None:
    return await db.fetchval("SELECT value FROM node_settings WHERE key = ?", (key,))


async def setting_once(db: Database, key: str, value: str) -> str:
    """The setting's value, storing `value` first if it has none (the first writer wins a race)."""
    await db.execute("INSERT INTO node_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                     (key, value))
    stored = await get_setting(db, key)
    assert stored is not None
    return stored


async def put_setting(db: Database, key: str, value: str) -> None:
    await db.execute("INSERT INTO node_settings (key, value) VALUES (?, ?)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))
