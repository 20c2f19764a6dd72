"""Remote accounts and statuses: what peers' documents become here.

Remote accounts live in `accounts` (domain not NULL, no private key),
remote statuses in `statuses` (local = 0, in_reply_to_uri kept). The
public key is cached on the account row and found by its keyId.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.accounts import AccountRow
from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import execute_values, placeholders, to_row
from storage.status_writes import delete_status, unpublish_effects
from storage.statuses import STATUS_COLUMNS, StatusRow, status_row


@dataclass(frozen=True, slots=True)
class RemoteAccount:
    """An actor document, validated and flattened."""

    uri: str
    username: str
    domain: str
    display_name: str
    note: str
    fields_json: str
    locked: bool
    bot: bool
    discoverable: bool
    indexable: bool
    avatar_url: str
    header_url: str
    url: str
    inbox_url: str
    shared_inbox_url: str
    outbox_url: str
    followers_url: str
    following_url: str
    featured_url: str
    public_key_pem: str
    public_key_id: str


_COLUMNS = ("username", "domain", "display_name", "note", "fields_json", "locked", "bot", "discoverable",
            "indexable", "avatar_url", "header_url", "url", "inbox_url", "shared_inbox_url", "outbox_url",
            "followers_url", "following_url", "featured_url", "public_key_pem", "public_key_id")


async def upsert_remote_account(db: Database, account_id: int, actor: RemoteAccount) -> AccountRow:
    """Insert or refresh the account with this uri; returns the stored row."""
    values = [getattr(actor, c) for c in _COLUMNS]
    values = [int(v) if isinstance(v, bool) else v for v in values]
    now = now_iso()
    updates = ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS)
    async with db.write() as w:
        await w.execute(
            f"INSERT INTO accounts (id, uri, {', '.join(_COLUMNS)}, created_at, updated_at, fetched_at)"
            f" VALUES (?, ?, {', '.join('?' * len(_COLUMNS))}, ?, ?, ?)"
            f" ON CONFLICT (uri) DO UPDATE SET {updates}, updated_at = excluded.updated_at,"
            " fetched_at = excluded.fetched_at",
            (account_id, actor.uri, *values, now, now, now))
        row = await w.fetchone("SELECT * FROM accounts WHERE uri = ?", (actor.uri,))
    found = to_row(AccountRow, row)
    assert found is not None
    return found


async def find_account_by_key_id(db: Database, key_id: str) -> AccountRow | None:
    return to_row(AccountRow, await db.fetchone("SELECT * FROM accounts WHERE public_key_id = ?", (key_id,)))


async def set_moved_to(db: Database, account_id: int, target_id: int) -> None:
    await db.execute("UPDATE accounts SET moved_to_id = ?, updated_at = ? WHERE id = ?",
                     (target_id, now_iso(), account_id))


# --- statuses ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class NewRemoteStatus:
    id: int
    account_id: int
    uri: str
    url: str
    content: str
    spoiler_text: str
    sensitive: bool
    visibility: str
    language: str | None
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    in_reply_to_uri: str | None
    reblog_of_id: int | None
    conversation_id: int | None
    state: str
    created_at: str

    def row(self) -> StatusRow:
        """The row as stored, without reading it back."""
        return StatusRow(
            id=self.id, account_id=self.account_id, uri=self.uri, url=self.url, text="", content=self.content,
            spoiler_text=self.spoiler_text, sensitive=int(self.sensitive), visibility=self.visibility,
            language=self.language, in_reply_to_id=self.in_reply_to_id,
            in_reply_to_account_id=self.in_reply_to_account_id, in_reply_to_uri=self.in_reply_to_uri,
            reblog_of_id=self.reblog_of_id, conversation_id=self.conversation_id or self.id, application_id=None,
            local=0, state=self.state, replies_count=0, reblogs_count=0, favourites_count=0,
            created_at=self.created_at, edited_at=None, deleted_at=None)

    def values(self) -> tuple[object, ...]:
        """The parameters of one row of `_INSERT_REMOTE`."""
        return (self.id, self.account_id, self.uri, self.url, self.content, self.spoiler_text, int(self.sensitive),
                self.visibility, self.language, self.in_reply_to_id, self.in_reply_to_account_id,
                self.in_reply_to_uri, self.reblog_of_id, self.conversation_id or self.id, self.state,
                self.created_at)


_INSERT_REMOTE = (
    "INSERT INTO statuses (id, account_id, uri, url, text, content, spoiler_text, sensitive, visibility,"
    " language, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri, reblog_of_id, conversation_id,"
    " local, state, created_at) VALUES {values} ON CONFLICT (uri) DO NOTHING")
_REMOTE_VALUES = "(?,?,?,?,'',?,?,?,?,?,?,?,?,?,?,0,?,?)"


async def insert_remote_status(w: Writer, new: NewRemoteStatus) -> StatusRow | None:
    """Insert; None when a status with this uri exists already."""
    if not await w.rowcount(_INSERT_REMOTE.format(values=_REMOTE_VALUES), new.values()):
        return None
    return status_row(await w.fetchone(f"SELECT {STATUS_COLUMNS} FROM statuses WHERE id = ?", (new.id,)))


async def insert_remote_statuses(w: Writer, batch: Sequence[NewRemoteStatus]) -> set[int]:
    """Insert many in a statement or two; the ids of those inserted (not
    those whose uri was stored already)."""
    if not batch:
        return set()
    await execute_values(w, _INSERT_REMOTE, [new.values() for new in batch], _REMOTE_VALUES)
    ids = [new.id for new in batch]
    return {int(r[0]) for r in await w.fetchall(f"SELECT id FROM statuses WHERE id IN ({placeholders(ids)})", ids)}


async def find_status_by_uri(db: Database, uri: str) -> StatusRow | None:
    return status_row(await db.fetchone(f"SELECT {STATUS_COLUMNS} FROM statuses WHERE uri = ?", (uri,)))


async def find_statuses_by_uris(db: Database, uris: Sequence[str]) -> dict[str, StatusRow]:
    """The stored statuses among these uris, by uri, in one query."""
    unique = list(dict.fromkeys(u for u in uris if u))
    if not unique:
        return {}
    rows = await db.fetchall(f"SELECT {STATUS_COLUMNS} FROM statuses WHERE uri IN ({placeholders(unique)})", unique)
    return {row.uri: row for row in (StatusRow(*r) for r in rows)}


async def find_accounts_by_uris(db: Database, uris: Sequence[str]) -> list[AccountRow]:
    if not uris:
        return []
    rows = await db.fetchall(f"SELECT * FROM accounts WHERE uri IN ({','.join('?' * len(uris))})", list(uris))
    return [r for r in (to_row(AccountRow, row) for row in rows) if r is not None]


async def link_replies(w: Writer, parents: Sequence[StatusRow]) -> None:
    """Replies that arrived before their parents point to them now (one
    statement; the index `statuses_reply_uri` finds the waiting replies)."""
    uris = list(dict.fromkeys(p.uri for p in parents))
    if uris:
        await w.execute(
            "UPDATE statuses SET"
            " in_reply_to_id = (SELECT p.id FROM statuses p WHERE p.uri = statuses.in_reply_to_uri),"
            " in_reply_to_account_id = (SELECT p.account_id FROM statuses p WHERE p.uri = statuses.in_reply_to_uri)"
            f" WHERE in_reply_to_uri IN ({placeholders(uris)}) AND in_reply_to_id IS NULL", uris)


async def remote_status_ids(db: Database, account_id: int) -> list[int]:
    rows = await db.fetchall("SELECT id FROM statuses WHERE account_id = ? AND local = 0", (account_id,))
    return [r[0] for r in rows]


async def set_follow_uri(w: Writer, account_id: int, target_id: int, uri: str) -> None:
    """Remember the Follow activity id on the follow (or request), for Undo and Accept."""
    for table in ("follows", "follow_requests"):
        await w.execute(f"UPDATE {table} SET uri = ? WHERE account_id = ? AND target_id = ?",
                        (uri, account_id, target_id))


async def find_follow_by_uri(db: Database, uri: str) -> tuple[str, int, int] | None:
    """("follows" | "follow_requests", account_id, target_id) of a Follow activity id."""
    row = await db.fetchone(
        "SELECT 'follows', account_id, target_id FROM follows WHERE uri = ?"
        " UNION ALL SELECT 'follow_requests', account_id, target_id FROM follow_requests WHERE uri = ?",
        (uri, uri))
    return None if row is None else (row[0], row[1], row[2])


async def with_local_followers(db: Database, account_ids: Sequence[int]) -> set[int]:
    """Those of these accounts that a local account follows, in one query."""
    unique = list(dict.fromkeys(account_ids))
    if not unique:
        return set()
    rows = await db.fetchall(
        f"SELECT DISTINCT f.target_id FROM follows f JOIN accounts a ON a.id = f.account_id"
        f" WHERE f.target_id IN ({placeholders(unique)}) AND a.domain IS NULL", unique)
    return {int(r[0]) for r in rows}


async def any_local_follower(db: Database, account_id: int) -> int | None:
    """A local account following `account_id` (whose key may sign fetches about it)."""
    return await db.fetchval(
        "SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id"
        " WHERE f.target_id = ? AND a.domain IS NULL ORDER BY f.id LIMIT 1", (account_id,))


async def soft_delete_status(w: Writer, status: StatusRow) -> None:
    """A remote Delete: the status leaves every view (deleted_at), its boosts go."""
    boosts = await w.fetchall(f"SELECT {STATUS_COLUMNS} FROM statuses WHERE reblog_of_id = ?", (status.id,))
    for boost in boosts:
        await delete_status(w, StatusRow(*boost))
    if status.published:
        await unpublish_effects(w, status)
    await w.execute("UPDATE statuses SET deleted_at = ? WHERE id = ?", (now_iso(), status.id))


async def soft_delete_account_statuses(w: Writer, account_id: int) -> int:
    """A remote actor's Delete of itself: all its statuses leave every view."""
    rows = await w.fetchall(f"SELECT {STATUS_COLUMNS} FROM statuses WHERE account_id = ? AND deleted_at IS NULL",
                            (account_id,))
    for row in rows:
        await soft_delete_status(w, StatusRow(*row))
    return len(rows)
