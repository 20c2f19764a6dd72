"""Failed sign-ins per account and per client address, shared by every process.

One row per (scope, subject): failures in the current window and, once
they reach the limit, until when sign-in is refused. The counting is one
upsert, so concurrent failures in several processes all count.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True, slots=True)
class Counted:
    failures: int
    locked_until: str | None
    locked_now: bool  # this failure started the lockout


async def locked_until(db: Database, keys: list[tuple[str, str]], now: str) -> str | None:
    """The latest lockout still running among these (scope, subject) keys."""
    latest: str | None = None
    for scope, subject in keys:
        until = await db.fetchval("SELECT locked_until FROM login_failures WHERE scope = ? AND subject = ?"
                                  " AND locked_until IS NOT NULL AND locked_until > ?", (scope, subject, now))
        if until is not None and (latest is None or until > latest):
            latest = str(until)
    return latest


async def count_failure(db: Database, scope: str, subject: str, *, now: str, window_start_after: str,
                        limit: int, lock_until: str) -> Counted:
    """Count one failure; a window older than `window_start_after` starts over.
    Reaching `limit` sets `locked_until` to `lock_until` (once per lockout)."""
    async with db.write() as w:
        await w.execute(
            "INSERT INTO login_failures (scope, subject, window_start, failures, locked_until)"
            " VALUES (?, ?, ?, 1, NULL) ON CONFLICT (scope, subject) DO UPDATE SET"
            " failures = CASE WHEN login_failures.window_start < ? THEN 1 ELSE login_failures.failures + 1 END,"
            " window_start = CASE WHEN login_failures.window_start < ? THEN excluded.window_start"
            " ELSE login_failures.window_start END",
            (scope, subject, now, window_start_after, window_start_after))
        row = await w.fetchone("SELECT failures, locked_until FROM login_failures WHERE scope = ? AND subject = ?",
                               (scope, subject))
        assert row is not None
        failures, until = int(row[0]), row[1]
        running = until is not None and until > now
        if failures >= limit and not running:
            await w.execute("UPDATE login_failures SET locked_until = ?, failures = 0, window_start = ?"
                            " WHERE scope = ? AND subject = ?", (lock_until, now, scope, subject))
            return Counted(failures, lock_until, True)
    return Counted(failures, until if running else None, False)


async def clear(db: Database, scope: str, subject: str) -> None:
    async with db.write() as w:
        await w.execute("DELETE FROM login_failures WHERE scope = ? AND subject = ?", (scope, subject))
