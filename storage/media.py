"""Media attachments: plain SQL over `media_attachments`.

A local upload is a row plus a file (the file is written by the caller,
under a random name, before the row); a remote attachment is a row with
`remote_url` only. Rows attach to a status when it is posted (the
status's write transaction) and go with it when it is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import placeholders, to_row, to_rows


class MediaTaken(Exception):
    """Media attached to another status between the check and the write."""


@dataclass(frozen=True, slots=True)
class MediaRow:
    id: int
    account_id: int
    status_id: int | None
    position: int
    type: str
    content_type: str
    file_name: str | None
    size: int
    width: int | None
    height: int | None
    description: str | None
    blurhash: str | None
    focus_x: float | None
    focus_y: float | None
    remote_url: str | None
    created_at: str
    preview_file_name: str | None = None  # a local image's preview (0061)
    preview_width: int | None = None
    preview_height: int | None = None
    scheduled_status_id: int | None = None  # reserved for a scheduled status

    @property
    def file_names(self) -> list[str]:
        return [n for n in (self.file_name, self.preview_file_name) if n]


@dataclass(frozen=True, slots=True)
class NewMedia:
    id: int
    account_id: int
    type: str
    content_type: str
    file_name: str | None = None
    size: int = 0
    width: int | None = None
    height: int | None = None
    description: str | None = None
    blurhash: str | None = None
    focus: tuple[float, float] | None = None
    remote_url: str | None = None
    status_id: int | None = None
    position: int = 0
    created_at: str = field(default_factory=now_iso)
    preview: tuple[str, int, int] | None = None  # file name, width, height


async def insert_media(w: Writer | Database, rows: Sequence[NewMedia]) -> None:
    if not rows:
        return
    await w.executemany(
        "INSERT INTO media_attachments (id, account_id, status_id, position, type, content_type, file_name,"
        " size, width, height, description, blurhash, focus_x, focus_y, remote_url, created_at,"
        " preview_file_name, preview_width, preview_height)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [(m.id, m.account_id, m.status_id, m.position, m.type, m.content_type, m.file_name, m.size, m.width,
          m.height, m.description, m.blurhash, m.focus[0] if m.focus else None, m.focus[1] if m.focus else None,
          m.remote_url, m.created_at, *(m.preview or (None, None, None))) for m in rows])


async def get_media(db: Database | Writer, media_id: int) -> MediaRow | None:
    return to_row(MediaRow, await db.fetchone("SELECT * FROM media_attachments WHERE id = ?", (media_id,)))


async def get_many(db: Database | Writer, media_ids: Sequence[int]) -> list[MediaRow]:
    unique = list(dict.fromkeys(media_ids))
    if not unique:
        return []
    return to_rows(MediaRow, await db.fetchall(
        f"SELECT * FROM media_attachments WHERE id IN ({placeholders(unique)})", unique))


async def by_file_name(db: Database, file_name: str) -> MediaRow | None:
    """The attachment whose original or preview is this file."""
    return to_row(MediaRow, await db.fetchone(
        "SELECT * FROM media_attachments WHERE file_name = ? OR preview_file_name = ?", (file_name, file_name)))


async def media_for_statuses(db: Database | Writer, status_ids: Sequence[int]) -> dict[int, list[MediaRow]]:
    """Attachments by status id, in their order (one query)."""
    unique = list(dict.fromkeys(status_ids))
    if not unique:
        return {}
    rows = to_rows(MediaRow, await db.fetchall(
        f"SELECT * FROM media_attachments WHERE status_id IN ({placeholders(unique)})"
        " ORDER BY status_id, position, id", unique))
    out: dict[int, list[MediaRow]] = {}
    for row in rows:
        assert row.status_id is not None
        out.setdefault(row.status_id, []).append(row)
    return out


async def update_media(w: Writer, media_id: int, description: str | None,
                       focus: tuple[float, float] | None) -> None:
    await w.execute("UPDATE media_attachments SET description = ?, focus_x = ?, focus_y = ? WHERE id = ?",
                    (description, focus[0] if focus else None, focus[1] if focus else None, media_id))


async def attach(w: Writer, status_id: int, media_ids: Sequence[int]) -> int:
    """Attach the media, in the given order, to the status; the number
    attached (only unattached rows move: a race with another post loses;
    media reserved for a scheduled status are released by it first)."""
    moved = 0
    for position, media_id in enumerate(media_ids):
        moved += await w.rowcount(
            "UPDATE media_attachments SET status_id = ?, position = ? WHERE id = ?"
            " AND (status_id IS NULL OR status_id = ?) AND scheduled_status_id IS NULL",
            (status_id, position, media_id, status_id))
    return moved


async def attach_new(w: Writer, status_id: int, media_ids: Sequence[int]) -> None:
    """A new status's media (unattached until now); MediaTaken if one was not."""
    if media_ids and await attach(w, status_id, media_ids) != len(media_ids):
        raise MediaTaken(", ".join(map(str, media_ids)))


async def detach_all(w: Writer, status_id: int, keep: Sequence[int] = ()) -> list[MediaRow]:
    """Detach the status's media but `keep`; the rows detached (before)."""
    rows = to_rows(MediaRow, await w.fetchall(
        "SELECT * FROM media_attachments WHERE status_id = ?", (status_id,)))
    gone = [r for r in rows if r.id not in set(keep)]
    if gone:
        await w.execute(
            f"UPDATE media_attachments SET status_id = NULL WHERE id IN ({placeholders(gone)})",
            [r.id for r in gone])
    return gone


async def delete_media(w: Writer, media_ids: Sequence[int]) -> None:
    unique = list(dict.fromkeys(media_ids))
    if unique:
        await w.execute(f"DELETE FROM media_attachments WHERE id IN ({placeholders(unique)})", unique)


async def delete_remote_of_status(w: Writer, status_id: int) -> None:
    """A remote status's attachments, replaced whole when it is edited."""
    await w.execute("DELETE FROM media_attachments WHERE status_id = ? AND file_name IS NULL", (status_id,))


async def delete_unattached_before(w: Writer, cutoff: str) -> list[list[str]]:
    """Delete local uploads not attached to any status and older than
    `cutoff` (ISO time); each one's file names (original, preview), to
    remove after commit."""
    rows = await w.fetchall(
        "SELECT id, file_name, preview_file_name FROM media_attachments "
        "WHERE status_id IS NULL AND scheduled_status_id IS NULL AND file_name IS NOT NULL AND created_at < ?",
        (cutoff,))
    await delete_media(w, [r[0] for r in rows])
    return [[name for name in (r[1], r[2]) if name] for r in rows]
