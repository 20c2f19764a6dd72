"""Polls over ActivityPub, as Mastodon federates them.

Out: a local status with a poll is a `Question` (ActivityPub::NoteSerializer):
`oneOf` (single choice) or `anyOf` (multiple) items `{type: Note, name,
replies: {type: Collection, totalItems}}`, `endTime`, `closed` once ended,
`votersCount`. A local account's vote on a remote poll is a `Create` of a
`Note` whose `name` is the option's title, `inReplyTo` the Question,
addressed to the poll's author only (ActivityPub::VoteSerializer).

In: a `Question`'s options are screened with its text (`ParsedNote.fields`
lists them, from `question_options`) and stored as the status's poll
(`store_question`); a later Update that only moves the counts updates the
poll without recording an edit (`counts_only_update`); a vote Note on a
poll of ours is counted once per actor and choice, while the poll is open
(`take_vote`, through `policy.polls.cast_votes`).
"""

from __future__ import annotations

from typing import Any

from federation.context import Federation
from federation.peers import url_host
from federation.sanitize import plain_text, sanitize_html
from federation.vocab import with_context
from policy.polls import VoteRefused, cast_votes
from storage import polls, remote, statuses
from storage.accounts import AccountRow
from storage.clock import iso, now, now_iso, parse
from storage.database import Database
from storage.polls import NewPoll, PollRow
from storage.statuses import StatusRow

MAX_OPTIONS = 20
MAX_TITLE_CHARS = 200


class NotCounted(Exception):
    """A vote on a poll of ours that is not counted; the message says why."""


def object_id(value: Any) -> str:
    """(As federation.activities.common, which this module may not import:
    the activity processors import it.)"""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


# ---- out: documents ------------------------------------------------------------

def _seconds(stamp: str) -> str:
    return stamp[:19] + "Z"


def question_fields(poll: PollRow, at: str) -> dict[str, Any]:
    """What turns a Note into a Question. Hidden totals are sent as 0 while
    the poll is open (Mastodon sends none; its peers read none as 0)."""
    expired = poll.expired(at)
    show = expired or not poll.hide_totals
    items = [{"type": "Note", "name": title, "replies": {"type": "Collection", "totalItems": count if show else 0}}
             for title, count in zip(poll.options, poll.tallies)]
    fields: dict[str, Any] = {"type": "Question", "anyOf" if poll.multiple else "oneOf": items,
                              "votersCount": poll.voters_count or 0}
    if poll.expires_at:
        fields["endTime"] = _seconds(poll.expires_at)
        if expired:
            fields["closed"] = _seconds(poll.expires_at)
    return fields


async def with_question(db: Database, note: dict[str, Any], status_id: int) -> dict[str, Any]:
    """`note` as a Question when its status has a poll (else unchanged)."""
    poll = await polls.poll_of_status(db, status_id)
    return note if poll is None else {**note, **question_fields(poll, now_iso())}


def vote_activity(voter_uri: str, author_uri: str, question_uri: str, vote_id: int, title: str) -> dict[str, Any]:
    note = {"id": f"{voter_uri}#votes/{vote_id}", "type": "Note", "name": title, "attributedTo": voter_uri,
            "to": [author_uri], "inReplyTo": question_uri}
    return with_context({"id": f"{note['id']}/activity", "type": "Create", "actor": voter_uri,
                         "to": [author_uri], "object": note})


# ---- in: Questions ------------------------------------------------------------------

def _items(obj: Any) -> tuple[bool, list[Any]] | None:
    """(multiple, choices) of a Question; None for anything else."""
    if not isinstance(obj, dict) or obj.get("type") != "Question":
        return None
    if isinstance(obj.get("anyOf"), list):
        return True, obj["anyOf"][:MAX_OPTIONS]
    if isinstance(obj.get("oneOf"), list):
        return False, obj["oneOf"][:MAX_OPTIONS]
    return None


def _title(item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    name, content = item.get("name"), item.get("content")
    text = name if isinstance(name, str) and name.strip() else content if isinstance(content, str) else ""
    return plain_text(sanitize_html(text)).strip()[:MAX_TITLE_CHARS]


def question_options(obj: Any) -> tuple[str, ...]:
    """The titles of a Question's choices (empty for a Note): what is screened."""
    found = _items(obj)
    return tuple(t for t in (_title(i) for i in found[1]) if t) if found else ()


def _count(item: Any) -> int:
    replies = item.get("replies") if isinstance(item, dict) else None
    total = replies.get("totalItems") if isinstance(replies, dict) else None
    return total if isinstance(total, int) and total >= 0 else 0


def _end(obj: dict[str, Any]) -> str | None:
    """Mastodon's reading: `closed` (a time, or true for now), else `endTime`."""
    closed = obj.get("closed")
    stamp = closed if isinstance(closed, str) else obj.get("endTime")
    if closed is not None and closed is not False and not isinstance(closed, str):
        return now_iso()
    try:
        moment = parse(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None
    return iso(moment) if moment is not None and moment.tzinfo else None


def parse_question(obj: Any, status: StatusRow, poll_id: int) -> NewPoll | None:
    found = _items(obj)
    if found is None:
        return None
    multiple, items = found
    kept = [(t, _count(i)) for t, i in ((_title(i), i) for i in items) if t]
    if len(kept) < 1:
        return None
    voters = obj.get("votersCount")
    return NewPoll(id=poll_id, status_id=status.id, account_id=status.account_id,
                   options=tuple(t for t, _ in kept), expires_at=_end(obj), multiple=multiple,
                   tallies=tuple(c for _, c in kept), voters_count=voters if isinstance(voters, int) else None)


async def store_question(fed: Federation, status: StatusRow | None, obj: Any) -> None:
    """The poll of a remote status, as its latest Question says: created,
    counts refreshed, or (new options) votes voided; a Note removes it."""
    if status is None or status.local:
        return
    new = parse_question(obj, status, fed.ids.next_id())
    if new is None:  # a Note (most Creates): a poll it had is gone, as Mastodon
        if isinstance(obj, dict) and obj.get("type") != "Question" and \
                await polls.poll_of_status(fed.db, status.id) is not None:
            async with fed.db.write() as w:
                await polls.delete_poll(w, status.id)
        return
    async with fed.db.write() as w:
        existing = await polls.poll_of_status(w, status.id)
        if existing is None:
            await polls.insert_polls(w, [new])
        else:
            await polls.reset_poll(w, existing, new)


async def counts_only_update(fed: Federation, author: AccountRow, obj: Any) -> bool:
    """An Update of a Question that changes only its counts or end (Mastodon's
    implicit update: no edit recorded, nobody notified): applied, True."""
    uri = object_id(obj)
    status = await remote.find_status_by_uri(fed.db, uri) if uri else None
    if status is None or status.account_id != author.id or _items(obj) is None:
        return False
    poll = await polls.poll_of_status(fed.db, status.id)
    new = parse_question(obj, status, 0)
    if poll is None or new is None or list(new.options) != poll.options or new.multiple != bool(poll.multiple):
        return False
    summary = obj.get("summary")
    same_text = sanitize_html(obj.get("content") or "") == status.content and \
        (plain_text(summary) if isinstance(summary, str) else "")[:1000] == status.spoiler_text
    if "updated" in obj and not same_text:
        return False
    await store_question(fed, status, obj)
    return True


# ---- in: votes on our polls ------------------------------------------------------------

async def _our_poll(fed: Federation, obj: dict[str, Any]) -> PollRow | None:
    target = object_id(obj.get("inReplyTo"))
    if not target or url_host(target) != fed.settings.domain:
        return None
    status = await remote.find_status_by_uri(fed.db, target)
    if status is None or not status.local:
        return None
    poll = await polls.poll_of_status(fed.db, status.id)
    return poll if poll is not None and obj.get("name") in poll.options else None


async def take_vote(fed: Federation, actor: AccountRow, obj: Any) -> bool:
    """A Create of a vote Note on one of our polls: counted (True), or
    NotCounted. False when the object is not one (it is then read as a
    status, as Mastodon does)."""
    if not isinstance(obj, dict) or obj.get("type") != "Note" or not isinstance(obj.get("name"), str):
        return False
    poll = await _our_poll(fed, obj)
    if poll is None:
        return False
    vote_uri = object_id(obj) or None
    if object_id(obj.get("attributedTo")) not in ("", actor.uri) or \
            (vote_uri is not None and url_host(vote_uri) != actor.domain):
        raise NotCounted("the vote is not the actor's own")
    status = await statuses.get_status(fed.db, poll.status_id)
    if status is None or not await statuses.visible_statuses(fed.db, [status], actor.id):
        # A followers-only or direct poll counts only those it was shown to.
        raise NotCounted("the voter cannot see the poll")
    try:
        await cast_votes(fed.db, fed.ids, poll.id, actor.id, [poll.options.index(obj["name"])],
                         now=now(), uris=[vote_uri], debounce=True)
    except VoteRefused as exc:
        raise NotCounted(f"vote not counted: {exc}") from None
    return True
