"""Direct-message conversations: plain SQL over `account_conversations`
(migration 0091), as Mastodon's AccountConversation.

When a direct status is published (a local post, a held one approved, a
peer's Note), each local account among its author and the accounts it
mentions gets the thread's row for the set of the *other* participants
(`add_status`): its last status becomes this one, and it is unread unless
the account wrote it. When a direct status leaves public view (deleted,
held), rows whose last status it was fall back to the thread's previous
direct status they could see, or go (`remove_status`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.rows import placeholders, to_row, to_rows
from storage.statuses import StatusRow
from storage.timelines import Page, newest_first


@dataclass(frozen=True, slots=True)
class ConversationRow:
    id: int
    account_id: int
    conversation_id: int
    participant_ids: str
    last_status_id: int
    unread: int
    updated_at: str

    @property
    def participants(self) -> list[int]:
        return [int(i) for i in self.participant_ids.split(",") if i]


def _key(ids: Sequence[int]) -> str:
    return ",".join(str(i) for i in sorted(set(ids)))


async def _local_among(w: Writer, account_ids: Sequence[int]) -> list[int]:
    unique = list(dict.fromkeys(account_ids))
    rows = await w.fetchall(
        f"SELECT id FROM accounts WHERE domain IS NULL AND id IN ({placeholders(unique)})", unique)
    return [int(r[0]) for r in rows]


async def add_status(w: Writer, ids: IdGenerator, status: StatusRow) -> None:
    """A direct status was published: bring each local participant's row up to it."""
    if status.visibility != "direct" or status.reblog_of_id is not None:
        return
    mentioned = [int(r[0]) for r in await w.fetchall("SELECT account_id FROM mentions WHERE status_id = ?",
                                                     (status.id,))]
    everyone = list(dict.fromkeys([status.account_id, *mentioned]))
    thread = status.conversation_id or status.id
    now = now_iso()
    for account_id in await _local_among(w, everyone):
        unread = int(status.account_id != account_id)
        await w.execute(
            "INSERT INTO account_conversations (id, account_id, conversation_id, participant_ids,"
            " last_status_id, unread, updated_at) VALUES (?,?,?,?,?,?,?)"
            " ON CONFLICT (account_id, conversation_id, participant_ids) DO UPDATE SET"
            " last_status_id = excluded.last_status_id, unread = excluded.unread, updated_at = excluded.updated_at"
            " WHERE account_conversations.last_status_id < excluded.last_status_id",
            (ids.next_id(), account_id, thread, _key([a for a in everyone if a != account_id]), status.id,
             unread, now))


async def remove_status(w: Writer, status: StatusRow) -> None:
    """A direct status left view: rows that ended with it fall back or go."""
    if status.visibility != "direct":
        return
    rows = to_rows(ConversationRow, await w.fetchall(
        "SELECT * FROM account_conversations WHERE last_status_id = ?", (status.id,)))
    for row in rows:
        previous = await w.fetchone(
            "SELECT MAX(s.id) FROM statuses s WHERE s.conversation_id = ? AND s.visibility = 'direct'"
            " AND s.state = 'published' AND s.id <> ? AND (s.account_id = ? OR EXISTS"
            " (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = ?))",
            (row.conversation_id, status.id, row.account_id, row.account_id))
        if previous is None or previous[0] is None:
            await w.execute("DELETE FROM account_conversations WHERE id = ?", (row.id,))
        else:
            await w.execute("UPDATE account_conversations SET last_status_id = ? WHERE id = ?",
                            (int(previous[0]), row.id))


async def list_for(db: Database, account_id: int, page: Page) -> list[ConversationRow]:
    """The account's conversations, newest last status first, paged by
    last status id (Mastodon's AccountConversation.to_a_paginated_by_id)."""
    clauses, args = ["account_id = ?"], [account_id]
    if page.max_id is not None:
        clauses.append("last_status_id < ?")
        args.append(page.max_id)
    lower = page.lower_bound()
    if lower is not None:
        clauses.append("last_status_id > ?")
        args.append(lower)
    order = "ASC" if page.ascending else "DESC"
    rows = to_rows(ConversationRow, await db.fetchall(
        f"SELECT * FROM account_conversations WHERE {' AND '.join(clauses)}"
        f" ORDER BY last_status_id {order} LIMIT ?", [*args, page.limit]))
    return newest_first(page, rows)


async def get_own(db: Database | Writer, row_id: int, account_id: int) -> ConversationRow | None:
    return to_row(ConversationRow, await db.fetchone(
        "SELECT * FROM account_conversations WHERE id = ? AND account_id = ?", (row_id, account_id)))


async def ending_with(db: Database, account_id: int, status_id: int) -> ConversationRow | None:
    """The account's conversation whose last status is this one (for the stream)."""
    return to_row(ConversationRow, await db.fetchone(
        "SELECT * FROM account_conversations WHERE account_id = ? AND last_status_id = ?",
        (account_id, status_id)))


async def mark_read(w: Writer, row_id: int) -> None:
    await w.execute("UPDATE account_conversations SET unread = 0 WHERE id = ?", (row_id,))


async def remove(w: Writer, row_id: int) -> None:
    await w.execute("DELETE FROM account_conversations WHERE id = ?", (row_id,))
