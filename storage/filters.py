"""User filters (Mastodon's v2 CustomFilter): keywords and single statuses.

A filter has a title, the contexts it applies in (space separated), an
action (warn, hide, blur) and an optional expiry; the v1 API sees each
keyword as a filter of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.rows import placeholders, to_row, to_rows

CONTEXTS = ("home", "notifications", "public", "thread", "account")
ACTIONS = ("warn", "hide", "blur")


@dataclass(frozen=True, slots=True)
class FilterRow:
    id: int
    account_id: int
    title: str
    context: str
    filter_action: str
    expires_at: str | None
    created_at: str

    @property
    def contexts(self) -> list[str]:
        return self.context.split()


@dataclass(frozen=True, slots=True)
class KeywordRow:
    id: int
    filter_id: int
    keyword: str
    whole_word: int


@dataclass(frozen=True, slots=True)
class FilterStatusRow:
    id: int
    filter_id: int
    status_id: int


@dataclass(frozen=True, slots=True)
class FilterFields:
    title: str
    contexts: tuple[str, ...]
    action: str
    expires_at: str | None


@dataclass(frozen=True, slots=True)
class KeywordChange:
    """One entry of keywords_attributes[]: new (id None), edit, or _destroy."""

    id: int | None
    keyword: str | None
    whole_word: bool | None
    destroy: bool = False


async def list_filters(db: Database, account_id: int) -> list[FilterRow]:
    return to_rows(FilterRow, await db.fetchall(
        "SELECT * FROM filters WHERE account_id = ? ORDER BY id", (account_id,)))


async def get_filter(db: Database, account_id: int, filter_id: int) -> FilterRow | None:
    return to_row(FilterRow, await db.fetchone(
        "SELECT * FROM filters WHERE id = ? AND account_id = ?", (filter_id, account_id)))


async def keywords_of(db: Database, filter_ids: Sequence[int]) -> dict[int, list[KeywordRow]]:
    out: dict[int, list[KeywordRow]] = {i: [] for i in filter_ids}
    if filter_ids:
        for row in to_rows(KeywordRow, await db.fetchall(
                f"SELECT * FROM filter_keywords WHERE filter_id IN ({placeholders(filter_ids)}) ORDER BY id",
                list(filter_ids))):
            out[row.filter_id].append(row)
    return out


async def statuses_of(db: Database, filter_ids: Sequence[int]) -> dict[int, list[FilterStatusRow]]:
    out: dict[int, list[FilterStatusRow]] = {i: [] for i in filter_ids}
    if filter_ids:
        for row in to_rows(FilterStatusRow, await db.fetchall(
                "SELECT id, filter_id, status_id FROM filter_statuses"
                f" WHERE filter_id IN ({placeholders(filter_ids)}) ORDER BY id", list(filter_ids))):
            out[row.filter_id].append(row)
    return out


async def _insert_keyword(w: Writer, ids: IdGenerator, filter_id: int, keyword: str, whole_word: bool) -> int:
    kid = ids.next_id()
    await w.execute("INSERT INTO filter_keywords (id, filter_id, keyword, whole_word) VALUES (?,?,?,?)",
                    (kid, filter_id, keyword, int(whole_word)))
    return kid


async def create_filter(db: Database, ids: IdGenerator, account_id: int, fields: FilterFields,
                        keywords: Sequence[tuple[str, bool]]) -> tuple[int, list[int]]:
    """A filter and its keywords in one transaction: (filter id, keyword ids)."""
    fid = ids.next_id()
    async with db.write() as w:
        await w.execute(
            "INSERT INTO filters (id, account_id, title, context, filter_action, expires_at, created_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (fid, account_id, fields.title, " ".join(fields.contexts), fields.action, fields.expires_at,
             now_iso()))
        kids = [await _insert_keyword(w, ids, fid, k, whole) for k, whole in keywords]
    return fid, kids


async def update_filter(db: Database, ids: IdGenerator, row: FilterRow, fields: FilterFields,
                        changes: Sequence[KeywordChange]) -> None:
    async with db.write() as w:
        await w.execute(
            "UPDATE filters SET title = ?, context = ?, filter_action = ?, expires_at = ? WHERE id = ?",
            (fields.title, " ".join(fields.contexts), fields.action, fields.expires_at, row.id))
        for change in changes:
            await _apply_keyword_change(w, ids, row.id, change)


async def _apply_keyword_change(w: Writer, ids: IdGenerator, filter_id: int, change: KeywordChange) -> None:
    if change.id is None:
        if not change.destroy and change.keyword:
            await _insert_keyword(w, ids, filter_id, change.keyword,
                                  True if change.whole_word is None else change.whole_word)
    elif change.destroy:
        await w.execute("DELETE FROM filter_keywords WHERE id = ? AND filter_id = ?", (change.id, filter_id))
    else:
        await w.execute(
            "UPDATE filter_keywords SET keyword = coalesce(?, keyword), whole_word = coalesce(?, whole_word)"
            " WHERE id = ? AND filter_id = ?",
            (change.keyword, None if change.whole_word is None else int(change.whole_word), change.id, filter_id))


async def delete_filter(db: Database, filter_id: int) -> None:
    await db.execute("DELETE FROM filters WHERE id = ?", (filter_id,))


async def get_keyword(db: Database, account_id: int, keyword_id: int) -> KeywordRow | None:
    return to_row(KeywordRow, await db.fetchone(
        "SELECT k.* FROM filter_keywords k JOIN filters f ON f.id = k.filter_id"
        " WHERE k.id = ? AND f.account_id = ?", (keyword_id, account_id)))


async def add_keyword(db: Database, ids: IdGenerator, filter_id: int, keyword: str, whole_word: bool) -> int:
    async with db.write() as w:
        return await _insert_keyword(w, ids, filter_id, keyword, whole_word)


async def update_keyword(db: Database, keyword_id: int, keyword: str, whole_word: bool) -> None:
    await db.execute("UPDATE filter_keywords SET keyword = ?, whole_word = ? WHERE id = ?",
                     (keyword, int(whole_word), keyword_id))


async def delete_keyword(db: Database, keyword_id: int) -> None:
    await db.execute("DELETE FROM filter_keywords WHERE id = ?", (keyword_id,))


async def get_filter_status(db: Database, account_id: int, row_id: int) -> FilterStatusRow | None:
    return to_row(FilterStatusRow, await db.fetchone(
        "SELECT s.id, s.filter_id, s.status_id FROM filter_statuses s JOIN filters f ON f.id = s.filter_id"
        " WHERE s.id = ? AND f.account_id = ?", (row_id, account_id)))


async def add_filter_status(db: Database, ids: IdGenerator, filter_id: int, status_id: int) -> int | None:
    """None when the status is already in the filter."""
    row_id = ids.next_id()
    async with db.write() as w:
        taken = await w.fetchone("SELECT 1 FROM filter_statuses WHERE filter_id = ? AND status_id = ?",
                                 (filter_id, status_id))
        if taken is not None:
            return None
        await w.execute("INSERT INTO filter_statuses (id, filter_id, status_id, created_at) VALUES (?,?,?,?)",
                        (row_id, filter_id, status_id, now_iso()))
    return row_id


async def delete_filter_status(db: Database, row_id: int) -> None:
    await db.execute("DELETE FROM filter_statuses WHERE id = ?", (row_id,))


async def status_exists(db: Database, status_id: int) -> bool:
    return await db.fetchval(
        "SELECT 1 FROM statuses WHERE id = ? AND deleted_at IS NULL", (status_id,)) is not None


@dataclass(frozen=True, slots=True)
class ActiveFilter:
    """An unexpired filter with what it matches, for marking statuses."""

    row: FilterRow
    keywords: tuple[KeywordRow, ...]
    status_ids: frozenset[int]


async def active_filters(db: Database, account_id: int) -> list[ActiveFilter]:
    rows = to_rows(FilterRow, await db.fetchall(
        "SELECT * FROM filters WHERE account_id = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY id",
        (account_id, now_iso())))
    ids = [r.id for r in rows]
    keywords = await keywords_of(db, ids)
    statuses = await statuses_of(db, ids)
    return [ActiveFilter(r, tuple(keywords[r.id]), frozenset(s.status_id for s in statuses[r.id]))
            for r in rows]
