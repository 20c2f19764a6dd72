"""The compliance report's live figures, one query per figure, over a period.

A period is [since, until) as stored ISO timestamps (UTC); the daily
counters (storage.compliance_counts) are summed over the UTC days from
since's to until's. Durations are computed in Python from the stored
timestamps, so the SQL stays plain on SQLite and PostgreSQL alike.
Each function answers one question of `policy.compliance`, and the tests
recount every answer from the rows themselves.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from storage.clock import parse
from storage.compliance_counts import day_of, delivery_days_between, drop_reason, outcomes_between
from storage.compliance_counts import refusals_between as counted_refusals
from storage.database import Database
from storage.ids import id_for_time


@dataclass(frozen=True, slots=True)
class Period:
    since: str  # ISO, inclusive
    until: str  # ISO, exclusive

    @property
    def first_day(self) -> str:
        return day_of(self.since)

    @property
    def last_day(self) -> str:
        return day_of(self.until)

    def ids(self) -> tuple[int, int]:
        """The id range of rows made in the period (ids are time-ordered)."""
        return (id_for_time(int(parse(self.since).timestamp() * 1000)),
                id_for_time(int(parse(self.until).timestamp() * 1000)))


@dataclass(frozen=True, slots=True)
class Reveal:
    id: int
    account_id: int
    actor: str
    reason: str
    created_at: str


async def _count(db: Database, sql: str, params: tuple[object, ...] = ()) -> int:
    return int(await db.fetchval(sql, params) or 0)


# ---- accounts and identity (articles 9, 15, 7(7)) ---------------------------------

async def local_accounts(db: Database) -> int:
    return await _count(db, "SELECT count(*) FROM users")


async def verified_accounts(db: Database) -> int:
    return await _count(db, "SELECT count(*) FROM identities i JOIN users u ON u.account_id = i.account_id")


async def accounts_created(db: Database, period: Period) -> int:
    return await _count(db, "SELECT count(*) FROM users WHERE created_at >= ? AND created_at < ?",
                        (period.since, period.until))


async def verifications(db: Database, period: Period) -> int:
    return await _count(db, "SELECT count(*) FROM identities WHERE verified_at >= ? AND verified_at < ?",
                        (period.since, period.until))


async def unverified_before(db: Database, moment: str) -> int:
    """Local accounts made before `moment` with no verified identity (article 15)."""
    return await _count(db, "SELECT count(*) FROM users u WHERE u.created_at < ? AND NOT EXISTS"
                            " (SELECT 1 FROM identities i WHERE i.account_id = u.account_id)", (moment,))


async def posting_revoked(db: Database) -> int:
    return await _count(db, "SELECT count(*) FROM users WHERE posting_revoked_at IS NOT NULL")


async def staff_by_role(db: Database) -> dict[str, int]:
    rows = await db.fetchall("SELECT role, count(*) FROM users WHERE role <> 'user' GROUP BY role")
    return {r[0]: int(r[1]) for r in rows}


# ---- screening and review (articles 8, 10) -------------------------------------------

async def statuses_stored(db: Database, period: Period) -> int:
    """Statuses stored in the period, local and federated: each passed screening."""
    low, high = period.ids()
    return await _count(db, "SELECT count(*) FROM statuses WHERE id >= ? AND id < ?", (low, high))


async def screening_outcomes(db: Database, period: Period) -> dict[str, dict[str, int]]:
    """category -> outcome (hit, shadow, reject, review, sensitive, flag) -> decisions."""
    found: dict[str, dict[str, int]] = {}
    for _day, category, outcome, total in await outcomes_between(db, period.first_day, period.last_day):
        by_outcome = found.setdefault(category, {})
        by_outcome[outcome] = by_outcome.get(outcome, 0) + total
    return found


@dataclass(frozen=True, slots=True)
class QueueRow:
    action: str
    state: str
    category: str
    created_at: str
    resolved_at: str | None


async def queue_items(db: Database, period: Period) -> list[QueueRow]:
    """Held and flagged items made in the period, or resolved in it."""
    rows = await db.fetchall(
        "SELECT action, state, decision_json, created_at, resolved_at FROM moderation_queue"
        " WHERE (created_at >= ? AND created_at < ?) OR (resolved_at >= ? AND resolved_at < ?)",
        (period.since, period.until, period.since, period.until))
    return [QueueRow(r[0], r[1], _category(r[2]), r[3], r[4]) for r in rows]


def _category(decision_json: str) -> str:
    try:
        decision = json.loads(decision_json)
    except ValueError:
        return ""
    if not isinstance(decision, dict):
        return ""
    return str(decision.get("category") or ("links" if decision.get("links") else ""))


async def oldest_open_item(db: Database) -> str | None:
    """When the oldest item still waiting for a moderator was held."""
    return await db.fetchval("SELECT min(created_at) FROM moderation_queue WHERE state = 'open'")


async def open_items(db: Database) -> int:
    return await _count(db, "SELECT count(*) FROM moderation_queue WHERE state = 'open'")


# ---- reports, sanctions, corrections (articles 13, 14, 7(5), 7(8)) -----------------------

@dataclass(frozen=True, slots=True)
class ReportTimes:
    source: str
    created_at: str
    resolved_at: str | None


async def reports_received(db: Database, period: Period) -> list[ReportTimes]:
    rows = await db.fetchall("SELECT source, created_at, action_taken_at FROM reports"
                             " WHERE created_at >= ? AND created_at < ?", (period.since, period.until))
    return [ReportTimes(r[0], r[1], r[2]) for r in rows]


async def sanctions_by_action(db: Database, period: Period) -> dict[str, int]:
    rows = await db.fetchall("SELECT action, count(*) FROM account_sanctions WHERE created_at >= ?"
                             " AND created_at < ? GROUP BY action", (period.since, period.until))
    return {r[0]: int(r[1]) for r in rows}


async def corrections_published(db: Database, period: Period) -> int:
    return await _count(db, "SELECT count(*) FROM corrections WHERE created_at >= ? AND created_at < ?",
                        (period.since, period.until))


async def identity_reveals(db: Database, period: Period) -> list[Reveal]:
    """Every reveal in the period with who asked and the reason they recorded."""
    rows = await db.fetchall("SELECT id, account_id, actor, reason, created_at FROM identity_reveals"
                             " WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id",
                             (period.since, period.until))
    return [Reveal(int(r[0]), int(r[1]), r[2], r[3], r[4]) for r in rows]


# ---- permits and federation (articles 6, 7(6)) ------------------------------------------

async def permits_by_status(db: Database) -> dict[str, int]:
    rows = await db.fetchall("SELECT status, count(*) FROM permits GROUP BY status")
    return {r[0]: int(r[1]) for r in rows}


async def permits_expiring(db: Database, first_day: str, last_day: str) -> list[tuple[str, str, str]]:
    """(host, number, valid_until) of active permits ending between the two days."""
    rows = await db.fetchall(
        "SELECT host, number, valid_until FROM permits WHERE status = 'active' AND valid_until IS NOT NULL"
        " AND valid_until >= ? AND valid_until <= ? ORDER BY valid_until, host", (first_day, last_day))
    return [(r[0], r[1], r[2]) for r in rows]


async def deliveries_by_peer(db: Database, period: Period) -> dict[str, Counter[str]]:
    """host -> state -> deliveries finished in the period (kept rows and pruned days),
    and queued or in-flight rows made in it."""
    found: dict[str, Counter[str]] = {}
    rows = await db.fetchall(
        "SELECT host, state, count(*) FROM deliveries WHERE (finished_at >= ? AND finished_at < ?)"
        " OR (finished_at IS NULL AND created_at >= ? AND created_at < ?) GROUP BY host, state",
        (period.since, period.until, period.since, period.until))
    for row in rows:
        found.setdefault(row[0], Counter())[row[1]] += int(row[2])
    for _day, host, state, _reason, total in await delivery_days_between(db, period.first_day, period.last_day):
        found.setdefault(host, Counter())[state] += total
    return found


async def refusals(db: Database, period: Period) -> dict[str, Counter[str]]:
    """direction -> reason -> refusals: inbound counted as they happen,
    outbound the deliveries the permit gate dropped."""
    found: dict[str, Counter[str]] = {"inbound": Counter(), "outbound": Counter()}
    for direction, reason, _host, total in await counted_refusals(db, period.first_day, period.last_day):
        found[direction][reason] += total
    rows = await db.fetchall("SELECT last_error FROM deliveries WHERE state = 'dropped' AND finished_at >= ?"
                             " AND finished_at < ?", (period.since, period.until))
    for row in rows:
        found["outbound"][drop_reason(row[0]) or "unknown"] += 1
    for _day, _host, state, reason, total in await delivery_days_between(db, period.first_day, period.last_day):
        if state == "dropped":
            found["outbound"][reason or "unknown"] += total
    return found


# ---- the audit log (articles 7(1), 7(9)) -------------------------------------------------

async def audit_actions(db: Database, period: Period) -> dict[str, int]:
    rows = await db.fetchall("SELECT action, count(*) FROM audit_log WHERE at >= ? AND at < ? GROUP BY action",
                             (period.since, period.until))
    return {r[0]: int(r[1]) for r in rows}
