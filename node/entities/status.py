"""Mastodon's Status entity (and StatusEdit, StatusSource), rendered in batches.

`render_statuses` loads everything a list of statuses needs with one query
per kind (boosted originals, accounts, mentions, tags, applications, the
viewer's favourites/bookmarks/boosts/pins/muted threads), never one query
per status, then builds the dicts in memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote

from aiohttp import web

from federation.urls import Urls
from node.config import Config
from node.entities.account import serialize_account
from node.entities.correction import correction_results
from node.entities.filter import filter_results
from node.entities.card import cards_by_status
from node.entities.custom_emoji import emojis_by_status, emojis_in_texts
from node.entities.media import media_by_status, serialize_media
from node.entities.poll import polls_by_status
from node.entities.quote import QuoteBatch, load_quotes
from node.keys import CONFIG, DB
from storage import accounts, interactions, media, polls, statuses
from storage.accounts import AccountRow
from storage.interactions import ViewerState
from storage.statuses import AppInfo, EditRow, MentionRow, StatusRow

PINNABLE = frozenset({"public", "unlisted", "private"})


async def status_filters(app: web.Application, rows: Sequence[StatusRow],
                         viewer_id: int | None) -> dict[int, list[dict[str, Any]]]:
    """FilterResults per status id for the viewer: the user's own filters
    now, and article 7(5) "false information" marks (a server-side `warn`
    filter) for every viewer, merged in."""
    own, marks = await asyncio.gather(filter_results(app, rows, viewer_id), correction_results(app, rows))
    for status_id, results in marks.items():
        own[status_id] = [*results, *own.get(status_id, [])]
    return own


def tag_url(config: Config, name: str) -> str:
    return Urls.of(config.node.base_url).tag(quote(name, safe=""))


@dataclass(frozen=True, slots=True)
class _Batch:
    config: Config
    viewer_id: int | None
    originals: dict[int, StatusRow]
    accounts: dict[int, dict[str, Any]]
    sensitized: frozenset[int]
    mentions: dict[int, list[MentionRow]]
    tags: dict[int, list[str]]
    apps: dict[int, AppInfo]
    state: ViewerState
    filters: dict[int, list[dict[str, Any]]]
    polls: dict[int, dict[str, Any]]
    media: dict[int, list[dict[str, Any]]]
    cards: dict[int, dict[str, Any]]
    emojis: dict[int, list[dict[str, Any]]]
    quotes: QuoteBatch


@dataclass(frozen=True, slots=True)
class Known:
    """What the caller already knows is empty, so `_load` need not ask."""

    mentions: bool = True
    tags: bool = True
    viewer_marks: bool = True
    author: AccountRow | None = None  # an account row already at hand


async def _nothing() -> dict[Any, Any]:
    return {}


async def _load(app: web.Application, rows: Sequence[StatusRow], viewer_id: int | None,
                known: Known = Known(), *, nested: bool = False) -> _Batch:
    """Everything the rows need, the independent lookups run side by side
    (the database has a pool of readers)."""
    db, config = app[DB], app[CONFIG]
    originals = {r.id: r for r in await statuses.get_statuses(db, [r.reblog_of_id for r in rows if r.reblog_of_id])}
    every = [*rows, *originals.values()]
    ids = [r.id for r in every]
    own_apps = [r.application_id for r in every if r.application_id and r.account_id == viewer_id]
    conversations = [r.conversation_id for r in every if r.conversation_id]
    known_rows = {known.author.id: known.author} if known.author else {}
    account_rows, mentions, tags, apps, state, filters, polls, media, cards, quoted = await asyncio.gather(
        accounts.get_accounts(db, [r.account_id for r in every if r.account_id not in known_rows]),
        statuses.mentions_of(db, ids) if known.mentions else _nothing(),
        statuses.tags_of(db, ids) if known.tags else _nothing(),
        statuses.apps_by_id(db, own_apps),
        interactions.viewer_state(db, viewer_id, ids, conversations) if known.viewer_marks else _no_marks(),
        status_filters(app, every, viewer_id),
        polls_by_status(db, ids, viewer_id),
        media_by_status(db, ids, config.node.base_url),
        cards_by_status(db, ids),
        load_quotes(app, every, viewer_id, shallow=nested, render=render_statuses))  # a quote in a quote: shallow
    account_rows = {**account_rows, **known_rows}
    emojis = await emojis_by_status(db, every, account_rows, config.node.base_url)
    return _Batch(
        config=config, viewer_id=viewer_id, originals=originals,
        accounts={i: serialize_account(a, config) for i, a in account_rows.items()},
        sensitized=frozenset(i for i, a in account_rows.items() if a.sensitized_at),
        mentions=mentions, tags=tags, apps=apps, state=state, filters=filters, polls=polls,
        media=media, cards=cards, emojis=emojis, quotes=quoted)


async def _no_marks() -> ViewerState:
    return ViewerState()


def _mention(m: MentionRow) -> dict[str, str]:
    return {"id": str(m.account_id), "username": m.username, "url": m.url or m.uri, "acct": m.acct()}


def _viewer_fields(row: StatusRow, batch: _Batch) -> dict[str, Any]:
    if batch.viewer_id is None:  # a visitor: only a moderator's correction (article 7(5))
        return {"filtered": batch.filters[row.id]} if row.id in batch.filters else {}
    state = batch.state
    fields: dict[str, Any] = {
        "favourited": row.id in state.favourited,
        "reblogged": row.id in state.reblogged,
        "muted": row.conversation_id in state.muted_conversations,
        "bookmarked": row.id in state.bookmarked,
    }
    if row.account_id == batch.viewer_id and row.reblog_of_id is None and row.visibility in PINNABLE:
        fields["pinned"] = row.id in state.pinned
    fields["filtered"] = batch.filters.get(row.id, [])
    return fields


def _application(row: StatusRow, batch: _Batch) -> dict[str, Any]:
    if row.account_id != batch.viewer_id:
        return {}
    found = batch.apps.get(row.application_id) if row.application_id else None
    return {"application": {"name": found.name, "website": found.website or None} if found else None}


def _status(row: StatusRow, batch: _Batch, source: bool) -> dict[str, Any]:
    original = batch.originals.get(row.reblog_of_id) if row.reblog_of_id else None
    sensitive = bool(row.sensitive) or (row.account_id != batch.viewer_id and row.account_id in batch.sensitized)
    body: dict[str, Any] = {
        "id": str(row.id),
        "created_at": row.created_at,
        "in_reply_to_id": str(row.in_reply_to_id) if row.in_reply_to_id else None,
        "in_reply_to_account_id": str(row.in_reply_to_account_id) if row.in_reply_to_account_id else None,
        "sensitive": sensitive,
        "spoiler_text": row.spoiler_text,
        "visibility": row.visibility,
        "language": row.language,
        "uri": row.uri,
        "url": row.url or None,
        "replies_count": row.replies_count,
        "reblogs_count": row.reblogs_count,
        "favourites_count": row.favourites_count,
        "quotes_count": batch.quotes.counts.get(row.id, 0),
        "edited_at": row.edited_at,
        **_viewer_fields(row, batch),
        "content": row.content,
        **({"text": row.text} if source else {}),
        "reblog": _status(original, batch, False) if original else None,
        **_application(row, batch),
        "account": batch.accounts[row.account_id],
        "media_attachments": batch.media.get(row.id, []),
        "mentions": [_mention(m) for m in batch.mentions.get(row.id, [])],
        "tags": [{"name": t, "url": tag_url(batch.config, t)} for t in batch.tags.get(row.id, [])],
        "emojis": batch.emojis.get(row.id, []),
        "card": batch.cards.get(row.id),
        "poll": batch.polls.get(row.id),
        "quote": batch.quotes.quotes.get(row.id),
        "quote_approval": batch.quotes.approvals[row.id],
    }
    return body


async def render_statuses(app: web.Application, rows: Sequence[StatusRow], viewer_id: int | None,
                          *, source: bool = False, nested: bool = False) -> list[dict[str, Any]]:
    """Status entities for `rows`, in order, as `viewer_id` sees them.

    The caller has already checked visibility (`storage.statuses.visible_statuses`).
    `source=True` adds `text` (the deleted-status redraft shape); `nested`:
    statuses shown inside a quote, whose own quotes are shallow."""
    if not rows:
        return []
    batch = await _load(app, rows, viewer_id, nested=nested)
    return [_status(r, batch, source) for r in rows]


async def render_status(app: web.Application, row: StatusRow, viewer_id: int | None,
                        *, source: bool = False) -> dict[str, Any]:
    return (await render_statuses(app, [row], viewer_id, source=source))[0]


async def render_new_status(app: web.Application, row: StatusRow, author: AccountRow, *,
                            mentions: bool, tags: bool) -> dict[str, Any]:
    """A status this request just created, for its author: skips the lookups
    that must come back empty (nobody has favourited or bookmarked it yet;
    only a reply can be in a thread the author muted) or whose answer is at
    hand (the author, as loaded with the token, counting this status)."""
    if row.published:
        author = replace(author, statuses_count=author.statuses_count + 1, last_status_at=row.created_at)
    known = Known(mentions=mentions, tags=tags, viewer_marks=row.in_reply_to_id is not None, author=author)
    batch = await _load(app, [row], row.account_id, known)
    return _status(row, batch, False)


def render_source(row: StatusRow) -> dict[str, str]:
    return {"id": str(row.id), "text": row.text, "spoiler_text": row.spoiler_text}


async def render_history(app: web.Application, row: StatusRow, edits: Sequence[EditRow]) -> list[dict[str, Any]]:
    """StatusEdit list, oldest first, ending with the current version; each
    with the poll options and media (descriptions as they were) it had."""
    db, config = app[DB], app[CONFIG]
    account_row = await accounts.get_account(db, row.account_id)
    assert account_row is not None
    account = serialize_account(account_row, config)
    current = (await media.media_for_statuses(db, [row.id])).get(row.id, [])
    poll = await polls.poll_of_status(db, row.id)
    versions = [(e.content, e.spoiler_text, e.sensitive, e.created_at, e.poll_titles(), e.media())
                for e in edits]
    versions.append((row.content, row.spoiler_text, row.sensitive, row.edited_at or row.created_at,
                     poll.options if poll else None, [(m.id, m.description) for m in current]))
    known = {m.id: m for m in await media.get_many(db, [i for v in versions for i, _ in v[5]])}
    base_url = config.node.base_url
    emojis = [await emojis_in_texts(db, account_row.domain, [v[0], v[1]], base_url) for v in versions]
    return [{"content": content, "spoiler_text": spoiler, "sensitive": bool(sensitive), "created_at": at,
             "account": account, "emojis": used,
             "poll": None if titles is None else {"options": [{"title": t} for t in titles]},
             "media_attachments": [serialize_media(replace(known[i], description=d), base_url)
                                   for i, d in attached if i in known]}
            for (content, spoiler, sensitive, at, titles, attached), used in zip(versions, emojis)]
