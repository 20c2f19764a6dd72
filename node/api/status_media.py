"""The media half of writing a status: `media_ids` (and, on an edit,
`media_attributes`) read, checked and attached as Mastodon's
PostStatusService and UpdateStatusService do.

A status takes at most 4 of its author's own media, not yet attached to
another status (an edit may keep its own), and never with a poll; images
and a video do not mix. An edit's `media_ids` is the status's new list:
absent, the media are detached (as Mastodon, and as this node does with
polls); `media_attributes[][id|description|focus]` change attached media.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from node.api.media import check_description, parse_focus
from node.api.path_ids import id_param
from node.errors import unprocessable
from node.params import Params
from storage import media
from storage.database import Database, Writer
from storage.media import MediaRow, MediaTaken

MAX_MEDIA = 4
TOO_MANY = "Cannot attach more than 4 files"
IMAGES_AND_VIDEO = "Cannot attach a video to a post that already contains images"


def not_found_message(ids: Sequence[object]) -> str:
    return f"Media {', '.join(map(str, ids))} not found or already attached to another post"


@dataclass(frozen=True, slots=True)
class MediaChange:
    id: int
    description: str | None
    focus: tuple[float, float] | None


def media_ids(params: Params, *, with_poll: bool) -> tuple[int, ...]:
    """The ids sent, checked for count and form (not yet for ownership)."""
    raw = [str(m).strip() for m in params.list("media_ids") if str(m).strip()]
    if len(raw) > MAX_MEDIA or (raw and with_poll):
        raise unprocessable(TOO_MANY)
    parsed = [id_param(m) for m in raw]
    if any(p is None for p in parsed):
        raise unprocessable(not_found_message([m for m, p in zip(raw, parsed) if p is None]))
    return tuple(dict.fromkeys(p for p in parsed if p is not None))


def _attribute_list(params: Params) -> list[dict[str, Any]]:
    """JSON `media_attributes: [{id, description, focus}]`, or the form's
    parallel `media_attributes[][id]`, `...[][description]`, `...[][focus]`."""
    value = params.raw("media_attributes")
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    ids = params.list("media_attributes[][id]")
    descriptions = params.list("media_attributes[][description]")
    focuses = params.list("media_attributes[][focus]")
    return [{"id": i, **({"description": descriptions[n]} if n < len(descriptions) else {}),
             **({"focus": focuses[n]} if n < len(focuses) else {})} for n, i in enumerate(ids)]


def media_changes(params: Params) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for item in _attribute_list(params):
        media_id = id_param(item.get("id"))
        if media_id is not None:
            out[media_id] = item
    return out


def _changed(row: MediaRow, item: dict[str, Any] | None) -> MediaChange:
    description = row.description
    focus = (row.focus_x, row.focus_y) if row.focus_x is not None and row.focus_y is not None else None
    if item is not None and "description" in item:
        text = item["description"]
        description = check_description(text if isinstance(text, str) else None) or None
    if item is not None and "focus" in item:
        focus = parse_focus(item["focus"])
    return MediaChange(row.id, description, focus)


async def load_media(db: Database, account_id: int, ids: Sequence[int], *, status_id: int | None = None,
                     attributes: dict[int, dict[str, Any]] | None = None,
                     scheduled_id: int | None = None) -> tuple[MediaChange, ...]:
    """The media as the status will have them, in the order sent: own,
    unattached (or, for an edit, already this status's; for a scheduled
    status, reserved for it), attributes applied."""
    if not ids:
        return ()
    found = {r.id: r for r in await media.get_many(db, ids)}
    usable = {i: r for i, r in found.items()
              if r.account_id == account_id and r.status_id in (None, status_id) and r.file_name
              and r.scheduled_status_id in (None, scheduled_id)}
    missing = [i for i in ids if i not in usable]
    if missing:
        raise unprocessable(not_found_message(missing))
    rows = [usable[i] for i in ids]
    if len(rows) > 1 and any(r.type in ("video", "gifv", "audio") for r in rows):
        raise unprocessable(IMAGES_AND_VIDEO)
    return tuple(_changed(r, (attributes or {}).get(r.id)) for r in rows)


async def attach_to(w: Writer, status_id: int, wanted: Sequence[MediaChange]) -> None:
    """The status's media become `wanted` (in order); the others are
    detached, kept for their owner (a redraft may use them again)."""
    await media.detach_all(w, status_id, keep=[m.id for m in wanted])
    if await media.attach(w, status_id, [m.id for m in wanted]) != len(wanted):
        raise MediaTaken(not_found_message([m.id for m in wanted]))
    for change in wanted:
        await media.update_media(w, change.id, change.description, change.focus)


def same_media(current: Sequence[MediaRow], wanted: Sequence[MediaChange]) -> bool:
    def now(r: MediaRow) -> MediaChange:
        focus = (r.focus_x, r.focus_y) if r.focus_x is not None and r.focus_y is not None else None
        return MediaChange(r.id, r.description, focus)
    return [now(r) for r in current] == list(wanted)
