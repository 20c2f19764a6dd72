"""Creates of Notes applied many at a time: the inbox's hot path (issue #12).

One at a time, a Create cost two write transactions, 11 writer statements
and 6 reader queries, each a trip from the event loop to the database and
back. Here a batch of them costs three reader queries (`notes.look_up`)
and one write transaction of about ten statements, whatever its size:
the statuses, their mentions, tags, replies waiting for them, quote
policies, counters, search index and the rows' outcomes
(`notes.write_notes`, `storage.status_batch.create_remote_statuses`).

`inbox_processing` hands over *runs*: for each actor, its consecutive
Creates of a Note, in the order they came. Each is checked, screened and
prepared as `store_note` would (`notes.prepare_note`); a row refused is
dropped with the reason, a row that raises is set aside as a dead letter
with its error (`inbox_outcomes.failure`), and neither holds up the rest.
What the batch does not do itself goes back, with the rest of that
actor's run, to be applied one by one in order (`Leftover`): an actor
not yet fetched, a note stored already or twice in the batch. A vote, a
quote or a Question is never put in a run (`candidate`).

If the write transaction fails as a whole, each prepared row is written
alone, and one that fails alone is a dead letter: one bad row never
holds the batch. Rows whose lease another worker took over are left to
it (`storage.inbox.held_by`, inside the transaction).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from federation.activities.common import Dropped
from federation.context import Federation
from federation.custom_emojis import parse_emoji_tags
from federation.inbox_outcomes import Decisions, decision_for, failure, refused
from federation.notes import NOTE_TYPES, Known, ParsedNote, PreparedNote, look_up, parse_note, prepare_note, write_notes
from federation.quotes import policy_of_note
from federation.quotes_in import quoted_uri_of
from storage import custom_emojis, remote
from storage import inbox as store
from storage.accounts import AccountRow
from storage.custom_emojis import RemoteEmoji
from storage.inbox import InboxRow, Outcome
from storage.remote import NewRemoteStatus
from storage.statuses import StatusRow

logger = logging.getLogger(__name__)

BATCHED_TYPES = NOTE_TYPES - {"Question"}  # a Question's poll is stored one by one
YIELD_EVERY = 25  # rows prepared between two turns of the event loop (accepting waits meanwhile)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A claimed inbox row and its activity, parsed once."""

    row: InboxRow
    activity: dict[str, Any] | None  # None: not a JSON object (the one-by-one path sets it aside)


Run = list[Claimed]  # one actor's rows, in order


def candidate(activity: dict[str, Any] | None) -> bool:
    """A Create of a Note that the batch can apply: not a vote on a poll
    (a Note with a `name`), not a quote, not a Question."""
    if activity is None or activity.get("type") != "Create":
        return False
    obj = activity.get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        return False
    return obj["type"] in BATCHED_TYPES and not (obj["type"] == "Note" and isinstance(obj.get("name"), str)) \
        and not quoted_uri_of(obj)


@dataclass(slots=True)
class _Batch:
    outcomes: list[Outcome] = field(default_factory=list)
    parsed: list[tuple[Claimed, AccountRow, ParsedNote]] = field(default_factory=list)
    prepared: list[tuple[Claimed, PreparedNote]] = field(default_factory=list)
    leftovers: dict[str, Run] = field(default_factory=dict)  # by actor


async def apply_creates(fed: Federation, worker: str, runs: Sequence[Run], decisions: Decisions) -> list[Run]:
    """Apply the runs' Creates; returns what is left to apply one by one,
    one run per actor, whose first row the batch could not take."""
    if not runs:
        return []
    batch = _Batch()
    authors = {a.uri: a for a in await remote.find_accounts_by_uris(fed.db, list({r[0].row.actor for r in runs}))}
    for run in runs:
        author = authors.get(run[0].row.actor)
        if author is None:  # not fetched yet: the one-by-one path fetches it
            batch.leftovers[run[0].row.actor] = list(run)
            continue
        decision = await decision_for(fed, run[0].row.host, decisions)
        if not decision.permitted:
            batch.outcomes += [refused(c.row, decision) for c in run]
            continue
        _parse_run(batch, run, author)
    known = await look_up(fed, [(author, note) for _, author, note in batch.parsed])
    await _prepare(fed, batch, known)
    await _record_emoji(fed, batch.prepared)
    stored = await _write(fed, worker, batch)
    for row in stored:  # after the commit
        if row.published:
            fed.stream().status_created(row.id)
    return list(batch.leftovers.values())


def _parse_run(batch: _Batch, run: Run, author: AccountRow) -> None:
    for claimed in run:
        assert claimed.activity is not None
        try:
            batch.parsed.append((claimed, author, parse_note(claimed.activity["object"], author)))
        except Dropped as exc:
            batch.outcomes.append(_dropped(claimed.row, exc))
        except Exception as exc:  # a shape nobody foresaw: a dead letter, the run goes on
            batch.outcomes.append(failure(claimed.row, exc))


async def _prepare(fed: Federation, batch: _Batch, known: Known) -> None:
    """Every parsed note in arrival order, so that a reply to a note of the
    same batch joins its thread; an actor's run stops at the first note the
    batch cannot take (stored already, or twice in it)."""
    planned: dict[str, NewRemoteStatus] = {}
    for n, (claimed, author, note) in enumerate(sorted(batch.parsed, key=lambda p: p[0].row.id)):
        if n and n % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        actor = claimed.row.actor
        if actor in batch.leftovers:
            batch.leftovers[actor].append(claimed)
            continue
        if note.uri in known.statuses or note.uri in planned:
            batch.leftovers[actor] = [claimed]
            continue
        try:
            prepared = await prepare_note(fed, author, note, known, planned=planned,
                                          quote_policy=policy_of_note(claimed.activity["object"], author))
        except Dropped as exc:
            batch.outcomes.append(_dropped(claimed.row, exc))
            continue
        except Exception as exc:
            batch.outcomes.append(failure(claimed.row, exc))
            continue
        planned[note.uri] = prepared.creation.new
        batch.prepared.append((claimed, prepared))


def _dropped(row: InboxRow, exc: Dropped) -> Outcome:
    logger.info("dropped %s from %s: %s", row.activity_id, row.actor, exc.reason)
    return Outcome(row.id, "dropped", exc.reason)


async def _record_emoji(fed: Federation, prepared: Sequence[tuple[Claimed, PreparedNote]]) -> None:
    """The custom emoji the notes use, one transaction per peer (as
    `record_emoji_tags` does per note)."""
    by_domain: dict[str, dict[str, RemoteEmoji]] = {}
    for claimed, p in prepared:
        domain = p.author.domain
        if domain and domain != fed.settings.domain:
            for emoji in parse_emoji_tags(claimed.activity["object"] if claimed.activity else None):
                by_domain.setdefault(domain, {}).setdefault(emoji.shortcode, emoji)
    for domain, emojis in by_domain.items():
        await custom_emojis.record_remote(fed.db, fed.ids, domain, list(emojis.values()))


async def _write(fed: Federation, worker: str, batch: _Batch) -> list[StatusRow]:
    """One transaction for the batch; the statuses stored."""
    try:
        async with fed.db.write() as w:
            held = await store.held_by(w, worker, [o.row_id for o in batch.outcomes] +
                                       [c.row.id for c, _ in batch.prepared])
            mine = [(c, p) for c, p in batch.prepared if c.row.id in held]
            rows = await write_notes(fed, w, [p for _, p in mine])
            await store.finish_many(w, worker, [o for o in batch.outcomes if o.row_id in held] +
                                    [Outcome(c.row.id, "done") for c, _ in mine])
    except Exception:
        logger.exception("writing a batch of %d notes failed; writing each alone", len(batch.prepared))
        return await _write_each(fed, worker, batch)
    return [row for row in rows if row is not None]


async def _write_each(fed: Federation, worker: str, batch: _Batch) -> list[StatusRow]:
    """Each prepared note in its own transaction, in order; one that fails
    alone is a dead letter with its error."""
    stored: list[StatusRow] = []
    failed: list[Outcome] = []
    for claimed, prepared in batch.prepared:
        prepared = _joined(prepared, {row.id for row in stored})
        try:
            async with fed.db.write() as w:
                if not await store.held_by(w, worker, [claimed.row.id]):
                    continue
                row = (await write_notes(fed, w, [prepared]))[0]
                await store.finish_many(w, worker, [Outcome(claimed.row.id, "done")])
        except Exception as exc:
            failed.append(failure(claimed.row, exc))
            continue
        if row is not None:
            stored.append(row)
    async with fed.db.write() as w:
        await store.finish_many(w, worker, batch.outcomes + failed)
    return stored


def _joined(prepared: PreparedNote, stored: set[int]) -> PreparedNote:
    """Written alone, a reply to a note of the batch stored before it points
    at that note from the start (as the batch's `link_replies` would)."""
    parent = prepared.creation.parent
    if parent is None or parent.id not in stored:
        return prepared
    new = replace(prepared.creation.new, in_reply_to_id=parent.id, in_reply_to_account_id=parent.account_id)
    return replace(prepared, creation=replace(prepared.creation, new=new, parent=None))
