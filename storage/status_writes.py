"""Writing statuses: create, publish or hold, edit, delete.

Every function takes the `Writer` of a transaction the caller opened, so a
status, its mentions, tags, counters, notifications and search index
change together or not at all.

Counters (statuses_count, replies_count) and the search index only ever
include published statuses: `publish_effects` and `unpublish_effects` are
the two places that move a status in or out of public view, and the
moderation queue calls them when it releases or holds a status.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from dataclasses import dataclass, field

from storage import conversations, media, notifications, polls, search
from storage.clock import now_iso
from storage.database import Writer
from storage.ids import IdGenerator
from storage.statuses import STATUS_COLUMNS, StatusRow, status_row


@dataclass(frozen=True, slots=True)
class NewStatus:
    id: int
    account_id: int
    uri: str
    url: str
    text: str
    content: str
    spoiler_text: str = ""
    sensitive: bool = False
    visibility: str = "public"
    language: str | None = None
    in_reply_to_id: int | None = None
    in_reply_to_account_id: int | None = None
    reblog_of_id: int | None = None
    conversation_id: int | None = None
    application_id: int | None = None
    state: str = "published"
    created_at: str = field(default_factory=now_iso)

    def row(self) -> StatusRow:
        """The row as stored, without reading it back."""
        return StatusRow(
            id=self.id, account_id=self.account_id, uri=self.uri, url=self.url, text=self.text,
            content=self.content, spoiler_text=self.spoiler_text, sensitive=int(self.sensitive),
            visibility=self.visibility, language=self.language, in_reply_to_id=self.in_reply_to_id,
            in_reply_to_account_id=self.in_reply_to_account_id, in_reply_to_uri=None,
            reblog_of_id=self.reblog_of_id, conversation_id=self.conversation_id or self.id,
            application_id=self.application_id, local=1, state=self.state, replies_count=0,
            reblogs_count=0, favourites_count=0, created_at=self.created_at, edited_at=None, deleted_at=None)


@dataclass(frozen=True, slots=True)
class StatusText:
    """The editable part of a status."""

    text: str
    content: str
    spoiler_text: str
    sensitive: bool
    language: str | None


async def insert_status(w: Writer, new: NewStatus) -> StatusRow:
    row = new.row()
    await w.execute(
        "INSERT INTO statuses (id, account_id, uri, url, text, content, spoiler_text, sensitive,"
        " visibility, language, in_reply_to_id, in_reply_to_account_id, reblog_of_id,"
        " conversation_id, application_id, local, state, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?)",
        (row.id, row.account_id, row.uri, row.url, row.text, row.content, row.spoiler_text,
         row.sensitive, row.visibility, row.language, row.in_reply_to_id, row.in_reply_to_account_id,
         row.reblog_of_id, row.conversation_id, row.application_id, row.state, row.created_at))
    return row


async def read_status(w: Writer, status_id: int) -> StatusRow | None:
    return status_row(await w.fetchone(f"SELECT {STATUS_COLUMNS} FROM statuses WHERE id = ?", (status_id,)))


INSERT_MENTION = "INSERT INTO mentions (status_id, account_id, position) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"


def numbered_within(pairs: Sequence[tuple[int, Any]]) -> list[tuple[int, int, Any]]:
    """(status id, position among that status's items, item), in the order given."""
    seen: dict[int, int] = {}
    out = []
    for status_id, item in pairs:
        position = seen.get(status_id, 0)
        seen[status_id] = position + 1
        out.append((status_id, position, item))
    return out


async def record_mentions(w: Writer, status_id: int, account_ids: Sequence[int]) -> None:
    if not account_ids:
        return
    await w.executemany(INSERT_MENTION, [(status_id, a, i) for i, a in enumerate(dict.fromkeys(account_ids))])


async def record_tags(w: Writer, ids: IdGenerator, status_id: int, names: Sequence[str]) -> None:
    """Find or create each tag (case-insensitively) and link it to the status."""
    await link_tags(w, ids, [(status_id, n) for n in names])


async def link_tags(w: Writer, ids: IdGenerator, links: Sequence[tuple[int, str]]) -> None:
    """(status id, tag name) pairs, for one status or a batch of them."""
    names = list(dict.fromkeys(n for _, n in links))
    if not names:
        return
    now = now_iso()
    await w.executemany(
        "INSERT INTO tags (id, name, created_at) SELECT ?, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM tags WHERE lower(name) = lower(?))",
        [(ids.next_id(), n, now, n) for n in names])
    await w.executemany(
        "INSERT INTO status_tags (status_id, position, tag_id) SELECT ?, ?, id FROM tags WHERE lower(name) = lower(?)"
        " ON CONFLICT DO NOTHING", numbered_within(links))


async def replace_entities(w: Writer, ids: IdGenerator, status_id: int,
                           mention_ids: Sequence[int], tags: Sequence[str]) -> list[int]:
    """After an edit: the status's mentions and tags become these. Returns
    the accounts mentioned now that were not before."""
    before = {r[0] for r in await w.fetchall("SELECT account_id FROM mentions WHERE status_id = ?", (status_id,))}
    await w.execute("DELETE FROM mentions WHERE status_id = ?", (status_id,))
    await w.execute("DELETE FROM status_tags WHERE status_id = ?", (status_id,))
    await record_mentions(w, status_id, mention_ids)
    await record_tags(w, ids, status_id, tags)
    return [a for a in dict.fromkeys(mention_ids) if a not in before]


async def notify_about(w: Writer, ids: IdGenerator, recipient_id: int, from_id: int, kind: str,
                       status: StatusRow) -> None:
    """A notification about a status, unless the recipient muted its thread."""
    if status.conversation_id is not None and await w.fetchone(
            "SELECT 1 FROM conversation_mutes WHERE account_id = ? AND conversation_id = ?",
            (recipient_id, status.conversation_id)):
        return
    await notifications.notify(w, ids, recipient_id, from_id, kind, status.id)


async def publish_effects(w: Writer, ids: IdGenerator, status: StatusRow, plain_text: str,
                          mention_ids: Sequence[int] | None = None) -> None:
    """A status became visible: count it, index it, notify who it mentions.

    `mention_ids` are given for a status just created; when None (a held
    status released) they are read, skipping anyone already notified."""
    await _count(w, status, +1)
    if status.reblog_of_id is not None:
        return
    await search.index_status(w, status.id, plain_text)
    await conversations.add_status(w, ids, status)
    if mention_ids is None:
        mention_ids = [r[0] for r in await w.fetchall(
            "SELECT account_id FROM mentions WHERE status_id = ? AND account_id NOT IN (SELECT account_id"
            " FROM notifications WHERE status_id = ? AND type = 'mention')", (status.id, status.id))]
    for account_id in mention_ids:
        await notify_about(w, ids, account_id, status.account_id, "mention", status)


async def unpublish_effects(w: Writer, status: StatusRow) -> None:
    """A published status left public view (deleted or held)."""
    await _count(w, status, -1)
    await search.unindex_status(w, status.id)
    await conversations.remove_status(w, status)


async def _count(w: Writer, status: StatusRow, delta: int) -> None:
    await w.execute("UPDATE accounts SET statuses_count = GREATEST(0, statuses_count + ?),"
                    " last_status_at = coalesce(?, last_status_at) WHERE id = ?",
                    (delta, now_iso() if delta > 0 else None, status.account_id))
    if status.in_reply_to_id is not None:
        await w.execute("UPDATE statuses SET replies_count = GREATEST(0, replies_count + ?) WHERE id = ?",
                        (delta, status.in_reply_to_id))
    if status.reblog_of_id is not None:
        await w.execute("UPDATE statuses SET reblogs_count = GREATEST(0, reblogs_count + ?) WHERE id = ?",
                        (delta, status.reblog_of_id))


async def set_state(w: Writer, status_id: int, state: str) -> None:
    await w.execute("UPDATE statuses SET state = ? WHERE id = ?", (state, status_id))


async def save_edit(w: Writer, ids: IdGenerator, status: StatusRow, new: StatusText) -> None:
    """Keep the current version in status_edits (its poll options and media
    too), then overwrite it; the caller replaces poll and media after this."""
    poll = await polls.poll_of_status(w, status.id)
    attached = (await media.media_for_statuses(w, [status.id])).get(status.id, [])
    await w.execute(
        "INSERT INTO status_edits (id, status_id, text, content, spoiler_text, sensitive, created_at,"
        " poll_options, media_json) VALUES (?,?,?,?,?,?,?,?,?)",
        (ids.next_id(), status.id, status.text, status.content, status.spoiler_text,
         status.sensitive, status.edited_at or status.created_at,
         json.dumps(poll.options, ensure_ascii=False) if poll else None,
         json.dumps([[m.id, m.description] for m in attached], ensure_ascii=False) if attached else None))
    await w.execute(
        "UPDATE statuses SET text = ?, content = ?, spoiler_text = ?, sensitive = ?, language = ?,"
        " edited_at = ? WHERE id = ?",
        (new.text, new.content, new.spoiler_text, int(new.sensitive), new.language, now_iso(), status.id))


async def delete_status(w: Writer, status: StatusRow) -> None:
    """Remove a status and its boosts (their mentions, tags, favourites,
    bookmarks and notifications go with them by foreign key)."""
    boosts = await w.fetchall(
        "SELECT account_id FROM statuses WHERE reblog_of_id = ? AND state = 'published'", (status.id,))
    for (account_id,) in boosts:
        await w.execute("UPDATE accounts SET statuses_count = GREATEST(0, statuses_count - 1) WHERE id = ?",
                        (account_id,))
    if status.published:
        await unpublish_effects(w, status)
    await w.execute("DELETE FROM statuses WHERE id = ?", (status.id,))


async def reblog_id(w: Writer, account_id: int, status_id: int) -> int | None:
    """The account's boost of a status, if it has one."""
    row = await w.fetchone("SELECT id FROM statuses WHERE account_id = ? AND reblog_of_id = ?",
                           (account_id, status_id))
    return None if row is None else int(row[0])


async def reblogger_ids(w: Writer, status_id: int) -> list[int]:
    rows = await w.fetchall("SELECT DISTINCT account_id FROM statuses WHERE reblog_of_id = ?", (status_id,))
    return [r[0] for r in rows]

