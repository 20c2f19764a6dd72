"""A viewer's marks on statuses: favourites, bookmarks, pins, muted threads.

Boosts are statuses (`reblog_of_id`), written through `storage.status_writes`;
`viewer_state` reads every mark for a batch of statuses in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.rows import placeholders
from storage.status_writes import notify_about
from storage.statuses import StatusRow


@dataclass(frozen=True, slots=True)
class ViewerState:
    favourited: frozenset[int] = field(default_factory=frozenset)
    bookmarked: frozenset[int] = field(default_factory=frozenset)
    reblogged: frozenset[int] = field(default_factory=frozenset)
    pinned: frozenset[int] = field(default_factory=frozenset)
    muted_conversations: frozenset[int] = field(default_factory=frozenset)


async def viewer_state(db: Database, viewer_id: int | None, status_ids: Sequence[int],
                       conversation_ids: Sequence[int]) -> ViewerState:
    if viewer_id is None or not status_ids:
        return ViewerState()
    ids, conv = list(status_ids), list(conversation_ids) or [0]
    p, c = placeholders(ids), placeholders(conv)
    rows = await db.fetchall(
        f"SELECT 'f', status_id FROM favourites WHERE account_id = ? AND status_id IN ({p})"
        f" UNION ALL SELECT 'b', status_id FROM bookmarks WHERE account_id = ? AND status_id IN ({p})"
        f" UNION ALL SELECT 'r', reblog_of_id FROM statuses WHERE account_id = ? AND reblog_of_id IN ({p})"
        f" UNION ALL SELECT 'p', status_id FROM status_pins WHERE account_id = ? AND status_id IN ({p})"
        f" UNION ALL SELECT 'm', conversation_id FROM conversation_mutes WHERE account_id = ?"
        f" AND conversation_id IN ({c})",
        [viewer_id, *ids, viewer_id, *ids, viewer_id, *ids, viewer_id, *ids, viewer_id, *conv])
    found: dict[str, set[int]] = {k: set() for k in "fbrpm"}
    for kind, value in rows:
        found[kind].add(value)
    return ViewerState(*(frozenset(found[k]) for k in "fbrpm"))


async def favourite(w: Writer, ids: IdGenerator, account_id: int, status: StatusRow) -> bool:
    """True if this made a new favourite (and notified the author)."""
    added = await w.rowcount(
        "INSERT INTO favourites (id, account_id, status_id, created_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
        (ids.next_id(), account_id, status.id, now_iso()))
    if added:
        await w.execute("UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = ?", (status.id,))
        await notify_about(w, ids, status.account_id, account_id, "favourite", status)
    return bool(added)


async def unfavourite(w: Writer, account_id: int, status_id: int) -> bool:
    removed = await w.rowcount("DELETE FROM favourites WHERE account_id = ? AND status_id = ?",
                               (account_id, status_id))
    if removed:
        await w.execute("UPDATE statuses SET favourites_count = GREATEST(0, favourites_count - 1) WHERE id = ?",
                        (status_id,))
        await w.execute("DELETE FROM notifications WHERE type = 'favourite' AND status_id = ?"
                        " AND from_account_id = ?", (status_id, account_id))
    return bool(removed)


async def bookmark(w: Writer, ids: IdGenerator, account_id: int, status_id: int) -> None:
    await w.execute("INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                    (ids.next_id(), account_id, status_id, now_iso()))


async def unbookmark(w: Writer, account_id: int, status_id: int) -> None:
    await w.execute("DELETE FROM bookmarks WHERE account_id = ? AND status_id = ?", (account_id, status_id))


async def pin_count(w: Writer, account_id: int) -> int:
    row = await w.fetchone("SELECT count(*) FROM status_pins WHERE account_id = ?", (account_id,))
    return int(row[0]) if row else 0


async def pin(w: Writer, ids: IdGenerator, account_id: int, status_id: int) -> None:
    await w.execute("INSERT INTO status_pins (id, account_id, status_id, created_at) VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                    (ids.next_id(), account_id, status_id, now_iso()))


async def unpin(w: Writer, account_id: int, status_id: int) -> None:
    await w.execute("DELETE FROM status_pins WHERE account_id = ? AND status_id = ?", (account_id, status_id))


async def mute_conversation(w: Writer, account_id: int, conversation_id: int) -> None:
    await w.execute("INSERT INTO conversation_mutes (account_id, conversation_id, created_at)"
                    " VALUES (?,?,?) ON CONFLICT DO NOTHING", (account_id, conversation_id, now_iso()))


async def unmute_conversation(w: Writer, account_id: int, conversation_id: int) -> None:
    await w.execute("DELETE FROM conversation_mutes WHERE account_id = ? AND conversation_id = ?",
                    (account_id, conversation_id))
