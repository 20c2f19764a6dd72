"""Announcements (Mastodon's Announcement): written by staff, shown to
signed-in users once published, with each user's read state and reactions.

At most 8 different reactions per announcement (Mastodon's limit); one
user may add a given reaction once. Ordered as Mastodon's `chronological`:
by the event's start, else when published, else when written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database
from storage.ids import IdGenerator
from storage.rows import placeholders, to_row, to_rows

MAX_REACTIONS = 8


@dataclass(frozen=True, slots=True)
class AnnouncementRow:
    id: int
    text: str
    content: str
    mentions_json: str
    statuses_json: str
    starts_at: str | None
    ends_at: str | None
    all_day: int
    published: int
    published_at: str | None
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    content: str
    starts_at: str | None = None
    ends_at: str | None = None
    all_day: bool = False
    mention_ids: tuple[int, ...] = ()
    status_ids: tuple[int, ...] = ()

    @property
    def links_json(self) -> tuple[str, str]:
        return json.dumps(list(self.mention_ids)), json.dumps(list(self.status_ids))


@dataclass(frozen=True, slots=True)
class ReactionCount:
    name: str
    count: int
    me: bool


_ORDER = "ORDER BY coalesce(starts_at, published_at, created_at), id"


async def create(db: Database, ids: IdGenerator, draft: Draft, *, publish: bool) -> AnnouncementRow:
    stamp, new_id = now_iso(), ids.next_id()
    await db.execute(
        "INSERT INTO announcements (id, text, content, mentions_json, statuses_json, starts_at, ends_at, all_day,"
        " published, published_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (new_id, draft.text, draft.content, *draft.links_json, draft.starts_at, draft.ends_at, int(draft.all_day), int(publish),
         stamp if publish else None, stamp, stamp))
    row = await get(db, new_id)
    assert row is not None
    return row


async def get(db: Database, announcement_id: int) -> AnnouncementRow | None:
    return to_row(AnnouncementRow, await db.fetchone("SELECT * FROM announcements WHERE id = ?",
                                                     (announcement_id,)))


async def update(db: Database, announcement_id: int, draft: Draft) -> AnnouncementRow | None:
    await db.execute("UPDATE announcements SET text = ?, content = ?, mentions_json = ?, statuses_json = ?,"
                     " starts_at = ?, ends_at = ?, all_day = ?, updated_at = ? WHERE id = ?",
                     (draft.text, draft.content, *draft.links_json, draft.starts_at, draft.ends_at,
                      int(draft.all_day), now_iso(), announcement_id))
    return await get(db, announcement_id)


async def set_published(db: Database, announcement_id: int, published: bool) -> AnnouncementRow | None:
    stamp = now_iso()
    await db.execute("UPDATE announcements SET published = ?, published_at = CASE WHEN ? = 1 THEN"
                     " coalesce(published_at, ?) ELSE published_at END, updated_at = ? WHERE id = ?",
                     (int(published), int(published), stamp, stamp, announcement_id))
    return await get(db, announcement_id)


async def delete(db: Database, announcement_id: int) -> bool:
    return await db.execute("DELETE FROM announcements WHERE id = ?", (announcement_id,)) > 0


async def listed(db: Database, *, published_only: bool = True) -> list[AnnouncementRow]:
    where = "WHERE published = 1 " if published_only else ""
    return to_rows(AnnouncementRow, await db.fetchall(f"SELECT * FROM announcements {where}{_ORDER}"))


async def read_ids(db: Database, account_id: int, ids: Sequence[int]) -> frozenset[int]:
    if not ids:
        return frozenset()
    rows = await db.fetchall(f"SELECT announcement_id FROM announcement_reads WHERE account_id = ?"
                             f" AND announcement_id IN ({placeholders(ids)})", (account_id, *ids))
    return frozenset(int(r[0]) for r in rows)


async def dismiss(db: Database, ids: IdGenerator, account_id: int, announcement_id: int) -> None:
    await db.execute("INSERT INTO announcement_reads (id, account_id, announcement_id, created_at)"
                     " VALUES (?,?,?,?) ON CONFLICT (account_id, announcement_id) DO NOTHING",
                     (ids.next_id(), account_id, announcement_id, now_iso()))


async def reactions(db: Database, ids: Sequence[int], viewer_id: int | None) -> dict[int, list[ReactionCount]]:
    """Per announcement, each reaction with its count and whether the viewer
    gave it, first given first."""
    if not ids:
        return {}
    rows = await db.fetchall(
        "SELECT announcement_id, name, count(*) AS total, min(id) AS first,"
        " sum(CASE WHEN account_id = ? THEN 1 ELSE 0 END) AS mine FROM announcement_reactions"
        f" WHERE announcement_id IN ({placeholders(ids)}) GROUP BY announcement_id, name ORDER BY first",
        (viewer_id, *ids))
    out: dict[int, list[ReactionCount]] = {}
    for r in rows:
        out.setdefault(int(r[0]), []).append(ReactionCount(r[1], int(r[2]), int(r[4] or 0) > 0))
    return out


async def add_reaction(db: Database, ids: IdGenerator, account_id: int, announcement_id: int, name: str) -> str:
    """"added", "exists" (this user already gave it) or "limit" (8 others)."""
    async with db.write() as w:
        mine = await w.fetchone("SELECT 1 FROM announcement_reactions WHERE account_id = ? AND announcement_id = ?"
                                " AND name = ?", (account_id, announcement_id, name))
        if mine is not None:
            return "exists"
        names = {r[0] for r in await w.fetchall(
            "SELECT DISTINCT name FROM announcement_reactions WHERE announcement_id = ?", (announcement_id,))}
        if name not in names and len(names) >= MAX_REACTIONS:
            return "limit"
        await w.execute("INSERT INTO announcement_reactions (id, account_id, announcement_id, name, created_at)"
                        " VALUES (?,?,?,?,?)", (ids.next_id(), account_id, announcement_id, name, now_iso()))
        return "added"


async def remove_reaction(db: Database, account_id: int, announcement_id: int, name: str) -> bool:
    return await db.execute("DELETE FROM announcement_reactions WHERE account_id = ? AND announcement_id = ?"
                            " AND name = ?", (account_id, announcement_id, name)) > 0


async def reaction_count(db: Database, announcement_id: int, name: str) -> int:
    return int(await db.fetchval("SELECT count(*) FROM announcement_reactions WHERE announcement_id = ?"
                                 " AND name = ?", (announcement_id, name)) or 0)
