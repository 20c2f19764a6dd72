"""Read positions in the home timeline and the notifications list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database
from storage.rows import placeholders, to_rows

TIMELINES = ("home", "notifications")


@dataclass(frozen=True, slots=True)
class MarkerRow:
    timeline: str
    last_read_id: int
    version: int
    updated_at: str


async def get_markers(db: Database, account_id: int, timelines: Sequence[str]) -> list[MarkerRow]:
    wanted = [t for t in dict.fromkeys(timelines) if t in TIMELINES]
    if not wanted:
        return []
    return to_rows(MarkerRow, await db.fetchall(
        "SELECT timeline, last_read_id, version, updated_at FROM markers"
        f" WHERE account_id = ? AND timeline IN ({placeholders(wanted)}) ORDER BY timeline",
        [account_id, *wanted]))


async def last_read_id(db: Database, account_id: int, timeline: str) -> int | None:
    value = await db.fetchval(
        "SELECT last_read_id FROM markers WHERE account_id = ? AND timeline = ?", (account_id, timeline))
    return None if value is None else int(value)


async def save_markers(db: Database, account_id: int, positions: Mapping[str, int]) -> list[MarkerRow]:
    """Set each timeline's position in one transaction; the version counts
    changes (a write that moves nothing keeps it), as Mastodon's lock_version."""
    now = now_iso()
    async with db.write() as w:
        for timeline, position in positions.items():
            await w.execute(
                "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)"
                " VALUES (?, ?, ?, 0, ?) ON CONFLICT (account_id, timeline) DO UPDATE SET"
                " version = markers.version + 1, last_read_id = excluded.last_read_id, updated_at = excluded.updated_at"
                " WHERE markers.last_read_id <> excluded.last_read_id",
                (account_id, timeline, position, now))
    return await get_markers(db, account_id, list(positions))
