"""Requests counted per (scope, subject) in a fixed window, shared by every
process: one upsert per request, as storage.login_failures counts."""

from __future__ import annotations

from storage.database import Writer


async def count(w: Writer, scope: str, subject: str, *, now: str, window_start_after: str) -> int:
    """Count one request; the count in the current window (a window older
    than `window_start_after` starts over at 1)."""
    await w.execute(
        "INSERT INTO request_counts (scope, subject, window_start, requests) VALUES (?, ?, ?, 1)"
        " ON CONFLICT (scope, subject) DO UPDATE SET"
        " requests = CASE WHEN request_counts.window_start < ? THEN 1 ELSE request_counts.requests + 1 END,"
        " window_start = CASE WHEN request_counts.window_start < ? THEN excluded.window_start"
        " ELSE request_counts.window_start END",
        (scope, subject, now, window_start_after, window_start_after))
    return int(await w.fetchval("SELECT requests FROM request_counts WHERE scope = ? AND subject = ?",
                                (scope, subject)))


async def purge(w: Writer, before: str) -> int:
    """Windows that started before `before` count for nothing any more."""
    return await w.rowcount("DELETE FROM request_counts WHERE window_start < ?", (before,))
