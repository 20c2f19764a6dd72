"""Featured hashtags (Mastodon's FeaturedTag): what an account features on
its profile, with how many of its public and unlisted statuses carry each
tag and when the last one was posted (counted when read, never cached)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.rows import placeholders, to_row, to_rows
from storage.tag_queries import TagRow

MAX_FEATURED = 10


@dataclass(frozen=True, slots=True)
class FeaturedTagRow:
    id: int
    account_id: int
    tag_id: int
    name: str
    url: str
    created_at: str
    statuses_count: int = 0
    last_status_at: str | None = None


class FeaturedLimitError(Exception):
    """The account already features MAX_FEATURED tags."""


_SELECT = (
    "SELECT f.*, (SELECT count(*) FROM status_tags st JOIN statuses s ON s.id = st.status_id"
    " WHERE st.tag_id = f.tag_id AND s.account_id = f.account_id AND {shown}) AS statuses_count,"
    " (SELECT max(s.created_at) FROM status_tags st JOIN statuses s ON s.id = st.status_id"
    " WHERE st.tag_id = f.tag_id AND s.account_id = f.account_id AND {shown}) AS last_status_at"
    " FROM featured_tags f"
).format(shown="s.visibility IN ('public', 'unlisted') AND s.state = 'published' AND s.deleted_at IS NULL"
         " AND s.reblog_of_id IS NULL")


async def featured_of(db: Database, account_id: int) -> list[FeaturedTagRow]:
    """An account's featured tags, most used first (Mastodon's order)."""
    rows = to_rows(FeaturedTagRow, await db.fetchall(f"{_SELECT} WHERE f.account_id = ?", (account_id,)))
    return sorted(rows, key=lambda r: (-r.statuses_count, r.name.lower()))


async def get_featured(db: Database, account_id: int, featured_id: int) -> FeaturedTagRow | None:
    return to_row(FeaturedTagRow, await db.fetchone(f"{_SELECT} WHERE f.account_id = ? AND f.id = ?",
                                                    (account_id, featured_id)))


async def _tag_id(w: Writer, ids: IdGenerator, name: str) -> int:
    await w.execute("INSERT INTO tags (id, name, created_at) SELECT ?, ?, ?"
                    " WHERE NOT EXISTS (SELECT 1 FROM tags WHERE lower(name) = lower(?))",
                    (ids.next_id(), name, now_iso(), name))
    row = await w.fetchone("SELECT id FROM tags WHERE lower(name) = lower(?)", (name,))
    assert row is not None
    return int(row[0])


async def feature(db: Database, ids: IdGenerator, account_id: int, name: str, *,
                  url: str = "", limit: int | None = MAX_FEATURED) -> tuple[int, bool]:
    """(featured tag id, created): featuring a tag again returns the existing
    one; FeaturedLimitError past `limit` (None: no limit, for remote accounts)."""
    async with db.write() as w:
        tag_id = await _tag_id(w, ids, name)
        found = await w.fetchone("SELECT id FROM featured_tags WHERE account_id = ? AND tag_id = ?",
                                 (account_id, tag_id))
        if found is not None:
            return int(found[0]), False
        count = await w.fetchone("SELECT count(*) FROM featured_tags WHERE account_id = ?", (account_id,))
        if limit is not None and count is not None and int(count[0]) >= limit:
            raise FeaturedLimitError(name)
        featured_id = ids.next_id()
        await w.execute("INSERT INTO featured_tags (id, account_id, tag_id, name, url, created_at)"
                        " VALUES (?,?,?,?,?,?)", (featured_id, account_id, tag_id, name, url, now_iso()))
        return featured_id, True


async def unfeature(db: Database, account_id: int, featured_id: int) -> bool:
    return await db.execute("DELETE FROM featured_tags WHERE account_id = ? AND id = ?",
                            (account_id, featured_id)) > 0


async def featured_id_by_name(db: Database, account_id: int, name: str) -> int | None:
    found = await db.fetchval(
        "SELECT f.id FROM featured_tags f JOIN tags t ON t.id = f.tag_id"
        " WHERE f.account_id = ? AND lower(t.name) = lower(?)", (account_id, name))
    return None if found is None else int(found)


async def featured_tag_ids(db: Database, account_id: int | None, tag_ids: Sequence[int]) -> frozenset[int]:
    """Which of `tag_ids` the account features (the Tag entity's `featuring`)."""
    if account_id is None or not tag_ids:
        return frozenset()
    rows = await db.fetchall(f"SELECT tag_id FROM featured_tags WHERE account_id = ? AND tag_id IN"
                             f" ({placeholders(tag_ids)})", (account_id, *tag_ids))
    return frozenset(int(r[0]) for r in rows)


async def suggestions(db: Database, account_id: int, limit: int = 10) -> list[TagRow]:
    """The account's most used tags that it does not feature yet."""
    return to_rows(TagRow, await db.fetchall(
        "SELECT t.id, t.name, t.created_at FROM tags t JOIN status_tags st ON st.tag_id = t.id"
        " JOIN statuses s ON s.id = st.status_id WHERE s.account_id = ? AND s.deleted_at IS NULL"
        " AND s.reblog_of_id IS NULL AND t.id NOT IN (SELECT tag_id FROM featured_tags WHERE account_id = ?)"
        " GROUP BY t.id, t.name, t.created_at ORDER BY count(*) DESC, t.id LIMIT ?",
        (account_id, account_id, limit)))
