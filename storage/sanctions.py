"""Account sanctions (articles 7(8), 14) and the queries moderators use.

A sanction is a row (Mastodon's account warning: what, why, until when)
plus its effect on the account or user columns that every path already
honours: `accounts.suspended_at` / `silenced_at` / `sensitized_at`,
`users.disabled`, `users.posting_revoked_at`.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import to_row, to_rows

ACTIONS = ("none", "sensitive", "disable", "silence", "suspend", "revoke_posting")

# action -> (table, column, value when applied, value when lifted)
_EFFECTS: dict[str, tuple[str, str, str | int | None, str | int | None]] = {
    "sensitive": ("accounts", "sensitized_at", "now", None),
    "silence": ("accounts", "silenced_at", "now", None),
    "suspend": ("accounts", "suspended_at", "now", None),
    "disable": ("users", "disabled", 1, 0),
    "revoke_posting": ("users", "posting_revoked_at", "now", None),
}


@dataclass(frozen=True, slots=True)
class SanctionRow:
    id: int
    account_id: int
    action: str
    report_id: int | None
    text: str
    actor_account_id: int | None
    scope: str
    created_at: str
    expires_at: str | None
    lifted_at: str | None


async def insert_sanction(w: Writer, row: SanctionRow) -> None:
    await w.execute(
        "INSERT INTO account_sanctions (id, account_id, action, report_id, text, actor_account_id, scope,"
        " created_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (row.id, row.account_id, row.action, row.report_id, row.text, row.actor_account_id, row.scope,
         row.created_at, row.expires_at))


async def apply_effect(w: Writer, account_id: int, action: str) -> None:
    if action not in _EFFECTS:
        return
    table, column, value, _ = _EFFECTS[action]
    key = "id" if table == "accounts" else "account_id"
    stamp = now_iso() if value == "now" else value
    await w.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?", (stamp, account_id))


async def lift_effect(w: Writer, account_id: int, action: str) -> int:
    """Undo an action's effect and close its open sanction rows; returns rows closed."""
    if action not in _EFFECTS:
        return 0
    table, column, _, lifted = _EFFECTS[action]
    key = "id" if table == "accounts" else "account_id"
    kept = " AND deleted_at IS NULL" if table == "accounts" else ""  # a deleted account stays hidden
    await w.execute(f"UPDATE {table} SET {column} = ? WHERE {key} = ?{kept}", (lifted, account_id))
    return await w.rowcount(
        "UPDATE account_sanctions SET lifted_at = ? WHERE account_id = ? AND action = ? AND lifted_at IS NULL",
        (now_iso(), account_id, action))


async def due_expiries(db: Database, now: str) -> list[SanctionRow]:
    """Open sanctions past their end whose account has no other open, unexpired one of the same kind."""
    return to_rows(SanctionRow, await db.fetchall(
        "SELECT * FROM account_sanctions s WHERE s.lifted_at IS NULL AND s.expires_at IS NOT NULL"
        " AND s.expires_at <= ? ORDER BY s.id", (now,)))


async def still_applies(w: Writer, account_id: int, action: str, now: str) -> bool:
    """Another open sanction of this kind that has not expired."""
    return await w.fetchone(
        "SELECT 1 FROM account_sanctions WHERE account_id = ? AND action = ? AND lifted_at IS NULL"
        " AND (expires_at IS NULL OR expires_at > ?)", (account_id, action, now)) is not None


async def close_sanction(w: Writer, sanction_id: int) -> bool:
    return await w.rowcount("UPDATE account_sanctions SET lifted_at = ? WHERE id = ? AND lifted_at IS NULL",
                            (now_iso(), sanction_id)) == 1


async def clear_posting_revoked(w: Writer, account_id: int) -> bool:
    """A new identity verification restores posting; True if it was revoked."""
    row = await w.fetchone("SELECT posting_revoked_at FROM users WHERE account_id = ?", (account_id,))
    if row is None or row[0] is None:
        return False
    await lift_effect(w, account_id, "revoke_posting")
    return True


async def sanctions_of(db: Database, account_id: int) -> list[SanctionRow]:
    return to_rows(SanctionRow, await db.fetchall(
        "SELECT * FROM account_sanctions WHERE account_id = ? ORDER BY id DESC", (account_id,)))


async def sanctions_for_report(db: Database, report_id: int) -> list[SanctionRow]:
    return to_rows(SanctionRow, await db.fetchall(
        "SELECT * FROM account_sanctions WHERE report_id = ? ORDER BY id", (report_id,)))


async def get_sanction(db: Database, sanction_id: int) -> SanctionRow | None:
    return to_row(SanctionRow, await db.fetchone("SELECT * FROM account_sanctions WHERE id = ?", (sanction_id,)))


# ---- follow-rate limits and follower bursts (article 7(7)) ------------------

async def follows_since(db: Database, account_id: int, since: str) -> int:
    """Follows and follow requests an account made since `since`."""
    return int(await db.fetchval(
        "SELECT (SELECT count(*) FROM follows WHERE account_id = :a AND created_at > :s)"
        " + (SELECT count(*) FROM follow_requests WHERE account_id = :a AND created_at > :s)",
        {"a": account_id, "s": since}) or 0)


@dataclass(frozen=True, slots=True)
class BurstRow:
    account_id: int
    total: int
    suspicious: int
    from_new: int
    from_unverified: int
    from_same_identity: int


_BURST_SQL = """
WITH recent AS (
  SELECT f.target_id, CASE WHEN a.created_at > :new THEN 1 ELSE 0 END AS n,
         CASE WHEN a.domain IS NULL AND i.account_id IS NULL THEN 1 ELSE 0 END AS u,
         CASE WHEN i.subject_hash IS NOT NULL AND EXISTS (SELECT 1 FROM identities j JOIN follows g
            ON g.account_id = j.account_id WHERE j.subject_hash = i.subject_hash
            AND j.account_id != a.id AND g.target_id = f.target_id) THEN 1 ELSE 0 END AS s
  FROM follows f JOIN accounts a ON a.id = f.account_id
  LEFT JOIN identities i ON i.account_id = a.id
  WHERE f.created_at > :since)
SELECT target_id, count(*), sum(GREATEST(n, u, s)) AS suspicious, sum(n), sum(u), sum(s)
FROM recent GROUP BY target_id HAVING sum(GREATEST(n, u, s)) >= :min
ORDER BY suspicious DESC, target_id LIMIT :limit
"""


async def follower_bursts(db: Database, since: str, new_since: str, minimum: int, limit: int) -> list[BurstRow]:
    """Accounts that gained at least `minimum` follows since `since` from new
    (created after `new_since`), unverified (local, no identity) or
    same-identity accounts, with a count per kind."""
    rows = await db.fetchall(_BURST_SQL, {"since": since, "new": new_since, "min": minimum, "limit": limit})
    return [BurstRow(*(int(v or 0) for v in r)) for r in rows]


@dataclass(frozen=True, slots=True)
class AccountQuery:
    local: bool = False
    remote: bool = False
    active: bool = False
    suspended: bool = False
    silenced: bool = False
    disabled: bool = False
    sensitized: bool = False
    staff: bool = False
    username: str | None = None
    limit: int = 100
    max_id: int | None = None


def _account_clauses(q: AccountQuery) -> tuple[list[str], list[object]]:
    flags = {"local": "a.domain IS NULL", "remote": "a.domain IS NOT NULL",
             "active": "a.suspended_at IS NULL", "suspended": "a.suspended_at IS NOT NULL",
             "silenced": "a.silenced_at IS NOT NULL", "disabled": "u.disabled = 1",
             "sensitized": "a.sensitized_at IS NOT NULL", "staff": "u.role IN ('admin','moderator')"}
    clauses: list[str] = [sql for name, sql in flags.items() if getattr(q, name)]
    params: list[object] = []
    if q.username:
        clauses.append("lower(a.username) LIKE lower(?) ESCAPE '\\'")
        params.append(q.username.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    if q.max_id is not None:
        clauses.append("a.id < ?")
        params.append(q.max_id)
    return clauses or ["1 = 1"], params


async def admin_account_ids(db: Database, q: AccountQuery) -> list[int]:
    clauses, params = _account_clauses(q)
    rows = await db.fetchall(
        f"SELECT a.id FROM accounts a LEFT JOIN users u ON u.account_id = a.id WHERE {' AND '.join(clauses)}"
        " ORDER BY a.id DESC LIMIT ?", (*params, q.limit))
    return [r[0] for r in rows]
