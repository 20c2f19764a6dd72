"""Remote Notes -> statuses: parse, screen (policy.publication.vet), store, edit.

Every inbound Note goes through `vet` with a remote `Author`: a reject
drops it (logged by the caller), review stores it held (state 'pending'),
sensitive marks it. Content is sanitised (federation.sanitize) before
anything else sees it; screening reads its plain text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from federation.activities.common import Dropped, object_id
from federation.context import Federation
from federation.custom_emojis import record_emoji_tags
from federation.media import RemoteMedia, parse_attachments, store_remote_media
from federation.peers import url_host
from federation.polls import question_options
from federation.remote_links import unlink, vet_remote_links
from federation.sanitize import plain_text, sanitize_html
from federation.vocab import PUBLIC_ALIASES
from policy.links import LinkDecision
from policy.publication import Author, Vetting, vet
from storage import quotes, remote, search, status_batch, status_writes
from storage import screening as screening_store
from storage.accounts import AccountRow
from storage.clock import iso, now, parse
from storage.database import Writer
from storage.remote import NewRemoteStatus
from storage.status_batch import RemoteCreation
from storage.status_writes import StatusText
from storage.statuses import StatusRow

logger = logging.getLogger(__name__)

NOTE_TYPES = frozenset({"Note", "Question", "Article", "Page"})
MAX_TAGS = 50


@dataclass(frozen=True, slots=True)
class ParsedNote:
    uri: str
    url: str
    content: str  # sanitised
    spoiler_text: str
    sensitive: bool
    language: str | None
    published: str
    in_reply_to_uri: str | None
    visibility: str
    mention_uris: tuple[str, ...]
    tags: tuple[str, ...]
    plain: str  # the words of `content`: screened and indexed
    poll_options: tuple[str, ...] = ()  # a Question's choices, screened with its text
    media: tuple[RemoteMedia, ...] = ()  # attachments; their descriptions are screened too

    def fields(self) -> list[tuple[str, str]]:
        pairs = [("status", self.plain), ("spoiler_text", self.spoiler_text)]
        pairs += [(f"poll_option[{i}]", o) for i, o in enumerate(self.poll_options)]
        return pairs + [(f"media_description[{i}]", m.description) for i, m in enumerate(self.media)
                        if m.description]


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def visibility_of(obj: dict[str, Any], followers_url: str) -> str:
    """Mastodon's reading of to/cc: Public in to, in cc, followers, else direct."""
    to = {object_id(v) for v in _list(obj.get("to"))}
    cc = {object_id(v) for v in _list(obj.get("cc"))}
    if to & PUBLIC_ALIASES:
        return "public"
    if cc & PUBLIC_ALIASES:
        return "unlisted"
    if followers_url and followers_url in to | cc:
        return "private"
    return "direct"


def _language_content(obj: dict[str, Any]) -> tuple[str, str | None]:
    content = obj.get("content")
    content_map = obj.get("contentMap")
    if isinstance(content_map, dict):
        for lang, text in content_map.items():
            if isinstance(lang, str) and isinstance(text, str) and len(lang) <= 16:
                return (content if isinstance(content, str) else text), lang
    return (content if isinstance(content, str) else ""), None


def _published(value: Any) -> str:
    try:
        moment = parse(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    current = now()
    return iso(moment if moment is not None and moment.tzinfo and moment <= current else current)


def _tags(obj: dict[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    mentions: list[str] = []
    hashtags: list[str] = []
    for tag in _list(obj.get("tag"))[:MAX_TAGS]:
        if not isinstance(tag, dict):
            continue
        if tag.get("type") == "Mention" and isinstance(tag.get("href"), str):
            mentions.append(tag["href"])
        elif tag.get("type") == "Hashtag" and isinstance(tag.get("name"), str):
            name = tag["name"].lstrip("#").strip()
            if name and len(name) <= 100 and all(c.isalnum() or c in "_·" for c in name):
                hashtags.append(name)
    return tuple(dict.fromkeys(mentions)), tuple(dict.fromkeys(hashtags))


def parse_note(obj: Any, author: AccountRow) -> ParsedNote:
    """A Note (or Question, Article) by `author`; Dropped when it is not one."""
    if not isinstance(obj, dict) or obj.get("type") not in NOTE_TYPES:
        raise Dropped("not a Note")
    uri = object_id(obj)
    if url_host(uri) != author.domain or object_id(obj.get("attributedTo")) != author.uri:
        raise Dropped("the Note is not the actor's own")
    content, language = _language_content(obj)
    summary = obj.get("summary")
    url = object_id(obj.get("url")) if not isinstance(obj.get("url"), list) else ""
    mentions, hashtags = _tags(obj)
    reply = object_id(obj.get("inReplyTo")) or None
    safe = sanitize_html(content)
    return ParsedNote(
        uri=uri, url=url if url_host(url) == author.domain else uri, content=safe, plain=plain_text(safe),
        spoiler_text=plain_text(summary)[:1000] if isinstance(summary, str) else "",
        sensitive=obj.get("sensitive") is True, language=language, published=_published(obj.get("published")),
        in_reply_to_uri=reply, visibility=visibility_of(obj, author.followers_url),
        mention_uris=mentions, tags=hashtags, poll_options=question_options(obj), media=parse_attachments(obj))


async def vet_note(fed: Federation, author: AccountRow, note: ParsedNote,
                   kind: str) -> tuple[ParsedNote, Vetting, bool]:
    """The one publication decision, then the link decision (article 7(6)),
    for remote content: (note with unpermitted links unlinked, vetting, held).
    Dropped on either's reject."""
    vetting = await vet(fed.db, fed.identity_rules, Author(author.id, False, author.created_at),
                        note.fields(), kind=kind, now=now(), screening=fed.screening())
    if vetting.refused:
        logger.info("dropped %s from %s: screening %s", note.uri, author.uri, vetting.reason)
        raise Dropped(f"screening: {vetting.reason or vetting.refusal}")
    decision = await vet_remote_links(fed, note.content)
    if decision.action == "reject":
        raise Dropped(f"links: {decision.message}")
    if decision.action == "review" and not vetting.held:  # as node.gate.apply_links
        vetting = replace(vetting, action="review", reason="links", message=decision.message)
    vetting = replace(vetting, links=decision)
    return replace(note, content=unlink(note.content, decision)), vetting, vetting.held


def related_to_local(fed: Federation, author: AccountRow, note: ParsedNote, known: Known) -> bool:
    """Mastodon's related_to_local_activity?: a local account follows the
    author, is mentioned, or is replied to. Unsolicited content is dropped."""
    domain = fed.settings.domain
    if any(url_host(uri) == domain for uri in note.mention_uris):
        return True
    if note.in_reply_to_uri and url_host(note.in_reply_to_uri) == domain:
        return True
    return author.id in known.followed


async def queue_for_moderators(fed: Federation, w: Writer, vetting: Vetting, *, kind: str,
                               account_id: int, status_id: int) -> None:
    """Held ('review') and flagged remote content goes in the moderators'
    queue with its decision, in the transaction that stores it (as
    node.gate.queue_vetting does for local content)."""
    if vetting.action not in ("review", "flag"):
        return
    decision = vetting.decision
    explained: dict[str, Any] = decision.to_dict() if decision is not None else {"action": vetting.action}
    links = vetting.links
    if isinstance(links, LinkDecision) and links.unlinked:  # held for a link to an unpermitted host
        explained["links"] = [{"host": h.host, "url": h.url, "reason": h.reason, "message": h.message}
                              for h in links.unlinked]
    if decision is None and "links" not in explained:
        return
    await screening_store.enqueue(w, fed.ids.next_id(), kind=kind, action=vetting.action, status_id=status_id,
                                  account_id=account_id, decision=explained,
                                  policy_version=decision.policy_version if decision is not None else "links")


@dataclass(frozen=True, slots=True)
class Known:
    """What preparing notes needs from the database, read for a batch at once."""

    statuses: dict[str, StatusRow]  # by uri: the notes themselves when stored already, and their parents
    followed: frozenset[int]  # the authors a local account follows
    accounts: dict[str, AccountRow]  # the mentioned accounts, by uri


async def look_up(fed: Federation, notes: Sequence[tuple[AccountRow, ParsedNote]]) -> Known:
    """Three queries for any number of notes."""
    uris = [n.uri for _, n in notes] + [n.in_reply_to_uri for _, n in notes if n.in_reply_to_uri]
    mentioned = list(dict.fromkeys(u for _, n in notes for u in n.mention_uris))
    return Known(await remote.find_statuses_by_uris(fed.db, uris),
                 frozenset(await remote.with_local_followers(fed.db, [a.id for a, _ in notes])),
                 {a.uri: a for a in await remote.find_accounts_by_uris(fed.db, mentioned)})


@dataclass(frozen=True, slots=True)
class PreparedNote:
    """A remote Note screened and ready to store."""

    author: AccountRow
    note: ParsedNote
    vetting: Vetting
    creation: RemoteCreation


async def prepare_note(fed: Federation, author: AccountRow, note: ParsedNote, known: Known, *,
                       kind: str = "status", solicited: bool = False, quote_policy: str | None = None,
                       planned: Mapping[str, NewRemoteStatus] | None = None) -> PreparedNote:
    """Check, screen and build a note's row; Dropped when it is refused.

    `solicited`: the caller knows the note is wanted here (a boost that
    reached a local follower); otherwise it must relate to a local account.
    `planned`: the statuses of the same batch prepared before it, by uri,
    so that a reply to one of them joins its thread."""
    if not solicited and not related_to_local(fed, author, note, known):
        raise Dropped("not related to any local account")
    note, vetting, held = await vet_note(fed, author, note, kind)
    reply_to = note.in_reply_to_uri
    parent = known.statuses.get(reply_to) if reply_to else None
    planned_parent = planned.get(reply_to) if planned and reply_to and parent is None else None
    thread = parent.conversation_id if parent else \
        (planned_parent.conversation_id or planned_parent.id) if planned_parent else None
    mentioned = [known.accounts[u] for u in note.mention_uris if u in known.accounts]
    new = NewRemoteStatus(
        id=fed.ids.next_id(), account_id=author.id, uri=note.uri, url=note.url, content=note.content,
        spoiler_text=note.spoiler_text, sensitive=note.sensitive or vetting.sensitive,
        visibility=note.visibility, language=note.language, in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None, in_reply_to_uri=reply_to,
        reblog_of_id=None, conversation_id=thread, state="pending" if held else "published",
        created_at=note.published)
    creation = RemoteCreation(new, tuple(a.id for a in mentioned), tuple(a.id for a in mentioned if a.local),
                              note.tags, note.plain, quote_policy, planned_parent)
    return PreparedNote(author, note, vetting, creation)


async def write_notes(fed: Federation, w: Writer, batch: Sequence[PreparedNote]) -> list[StatusRow | None]:
    """Store prepared notes in the caller's transaction: rows, mentions, tags,
    media, held ones in the moderators' queue, counters and index. None for
    a note another path stored first."""
    rows = await status_batch.create_remote_statuses(w, fed.ids, [p.creation for p in batch])
    for row, prepared in zip(rows, batch):
        if row is None:
            continue
        if prepared.note.media:
            await store_remote_media(w, fed.ids, row, prepared.note.media)
        await queue_for_moderators(fed, w, prepared.vetting, kind="remote_status", account_id=prepared.author.id,
                                   status_id=row.id)
    return rows


async def store_note(fed: Federation, author: AccountRow, obj: Any, *, kind: str = "status",
                     solicited: bool = False) -> StatusRow | None:
    """Screen and store one remote Note (`prepare_note`, `write_notes`); the
    existing row when known, None if it raced."""
    note = parse_note(obj, author)
    known = await look_up(fed, [(author, note)])
    existing = known.statuses.get(note.uri)
    if existing is not None:
        return existing
    prepared = await prepare_note(fed, author, note, known, kind=kind, solicited=solicited)
    await record_emoji_tags(fed, author.domain, obj)  # its custom emoji, shown with it
    async with fed.db.write() as w:
        row = (await write_notes(fed, w, [prepared]))[0]
    if row is not None and row.published:
        fed.stream().status_created(row.id)  # after the commit
    return row


async def update_note(fed: Federation, author: AccountRow, obj: Any) -> None:
    """An edit of a remote status by its author: new text, edit history kept."""
    note = parse_note(obj, author)
    row = await remote.find_status_by_uri(fed.db, note.uri)
    if row is None or row.account_id != author.id or row.deleted_at is not None:
        raise Dropped("no such status of this actor")
    note, vetting, held = await vet_note(fed, author, note, "edit")
    mention_ids = [a.id for a in await remote.find_accounts_by_uris(fed.db, list(note.mention_uris))]
    await record_emoji_tags(fed, author.domain, obj)
    async with fed.db.write() as w:
        await status_writes.save_edit(w, fed.ids, row, StatusText(
            "", note.content, note.spoiler_text, note.sensitive or vetting.sensitive, note.language))
        added = await status_writes.replace_entities(w, fed.ids, row.id, mention_ids, list(note.tags))
        await store_remote_media(w, fed.ids, row, note.media)
        await queue_for_moderators(fed, w, vetting, kind="edit", account_id=author.id, status_id=row.id)
        if row.published and held:
            await status_writes.unpublish_effects(w, row)
            await status_writes.set_state(w, row.id, "pending")
        elif row.published:
            await search.index_status(w, row.id, note.plain)
            await _notify_edit(fed, w, row, added)
    fed.stream().status_edited(row.id)  # after the commit; a held edit streams nothing


async def _notify_edit(fed: Federation, w: Writer, row: StatusRow, added: Sequence[int]) -> None:
    """As Mastodon: newly mentioned local accounts get a mention, local
    boosters an update, local quoters a quoted_update (notify skips remote
    accounts)."""
    for account_id in added:
        await status_writes.notify_about(w, fed.ids, account_id, row.account_id, "mention", row)
    for account_id in await status_writes.reblogger_ids(w, row.id):
        await status_writes.notify_about(w, fed.ids, account_id, row.account_id, "update", row)
    for _quoting, account_id in await quotes.local_quoters_of(w, row.id):  # Mastodon 4.5's quoted_update
        await status_writes.notify_about(w, fed.ids, account_id, row.account_id, "quoted_update", row)
