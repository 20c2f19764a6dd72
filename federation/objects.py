"""Local objects as documents: what a status or an account's outbox looks
like to peers, loaded from the database and built with `federation.vocab`.

The delivery side builds Create/Update activities from `note_for_status`;
the document handlers serve the same shapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from federation import vocab
from federation.custom_emojis import with_emoji_tags
from federation.media import with_attachments
from federation.polls import with_question
from federation.quotes import with_quote
from federation.urls import Urls
from storage import accounts, statuses
from storage.accounts import AccountRow
from storage.database import Database
from storage.statuses import StatusRow

SERVED_VISIBILITIES = frozenset({"public", "unlisted"})


async def parent_uri(db: Database, status: StatusRow) -> str | None:
    if status.in_reply_to_uri:
        return status.in_reply_to_uri
    if status.in_reply_to_id is None:
        return None
    parent = await statuses.get_status(db, status.in_reply_to_id)
    return parent.uri if parent else None


async def note_for_status(db: Database, urls: Urls, status: StatusRow, author: AccountRow | None = None,
                          *, context: bool = True) -> dict[str, Any]:
    """The Note of a (non-boost) status, its mentions, tags and parent loaded."""
    author = author or await accounts.get_account(db, status.account_id)
    assert author is not None
    mentions = (await statuses.mentions_of(db, [status.id])).get(status.id, [])
    tags = (await statuses.tags_of(db, [status.id])).get(status.id, [])
    note = vocab.status_to_note(urls, status, author, mentions=mentions, tags=tags,
                                in_reply_to_uri=await parent_uri(db, status), context=context)
    note = await with_attachments(db, note, status.id, urls.base_url)
    note = await with_emoji_tags(db, urls, note)  # the local emoji it uses
    note = await with_quote(db, note, status, author)
    return await with_question(db, note, status.id)  # a status with a poll is a Question


async def activity_for_status(db: Database, urls: Urls, status: StatusRow, author: AccountRow) -> dict[str, Any]:
    """Create of a status, or Announce of a boost: an outbox item."""
    if status.reblog_of_id is None:
        return vocab.create_activity(await note_for_status(db, urls, status, author, context=False))
    original = await statuses.get_status(db, status.reblog_of_id)
    original_author = await accounts.get_account(db, original.account_id) if original else None
    assert original is not None and original_author is not None
    return vocab.announce_activity(urls, status, author, original.uri, original_author.uri)


async def outbox_items(db: Database, urls: Urls, rows: Sequence[StatusRow], author: AccountRow) -> list[dict[str, Any]]:
    return [await activity_for_status(db, urls, row, author) for row in rows]


def is_served(status: StatusRow) -> bool:
    """A status whose Note anyone permitted may fetch: published, public or unlisted."""
    return status.published and status.visibility in SERVED_VISIBILITIES and status.reblog_of_id is None
