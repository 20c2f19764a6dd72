"""Poll rules, as Mastodon's VoteValidator and PollExpirationNotifyWorker.

`cast_votes` is the one way a vote is recorded, for a local voter (client
API) and a remote one (an inbound vote Note): the rules are checked on the
poll as read inside the write transaction, so two concurrent votes by one
account cannot both pass. `notify_ended` makes the `poll` notifications of
polls that have ended, once each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from storage import notifications, polls
from storage.clock import iso
from storage.database import Database
from storage.ids import IdGenerator
from storage.polls import PollRow

EXPIRED = "The poll has already ended"
INVALID_CHOICE = "The chosen vote option does not exist"
SELF_VOTE = "You cannot vote in your own polls"
ALREADY_VOTED = "You have already voted on this poll"
UPDATE_DELAY = dt.timedelta(minutes=3)  # Mastodon's DistributePollUpdateWorker.perform_in


class VoteRefused(Exception):
    """A vote the rules refuse; the message is Mastodon's."""


def refusal(poll: PollRow, voter_id: int, choices: Sequence[int], previous: Sequence[int], now: str) -> str | None:
    """Why these choices may not be recorded, or None."""
    if poll.expired(now):
        return EXPIRED
    if any(c < 0 or c >= len(poll.options) for c in choices):
        return INVALID_CHOICE
    if voter_id == poll.account_id:
        return SELF_VOTE
    if len(set(choices)) != len(choices):
        return ALREADY_VOTED
    if poll.multiple:
        return ALREADY_VOTED if set(choices) & set(previous) else None
    return ALREADY_VOTED if previous or len(choices) > 1 else None


@dataclass(frozen=True, slots=True)
class Cast:
    poll: PollRow  # after the votes
    vote_ids: tuple[int, ...]
    choices: tuple[int, ...]


async def cast_votes(db: Database, ids: IdGenerator, poll_id: int, voter_id: int, choices: Sequence[int], *,
                     now: dt.datetime, uris: Sequence[str | None] | None = None, debounce: bool = False) -> Cast:
    """Record the votes or raise VoteRefused. `debounce`: the poll is ours,
    so its Question's new counts go to peers a little later (one Update for
    the votes of a few minutes, unless totals are hidden)."""
    stamp = iso(now)
    async with db.write() as w:
        poll = await polls.get_poll(w, poll_id)
        if poll is None:
            raise VoteRefused(INVALID_CHOICE)
        previous = [v.choice for v in await polls.votes_of(w, poll.id, voter_id)]
        reason = refusal(poll, voter_id, choices, previous, stamp)
        if reason is not None:
            raise VoteRefused(reason)
        vote_ids = tuple(ids.next_id() for _ in choices)
        given = list(uris) if uris is not None else [None] * len(choices)
        await polls.add_votes(w, poll, voter_id, list(zip(vote_ids, choices, given)), first_time=not previous)
        if debounce and not poll.hide_totals:
            await polls.schedule_update(w, poll.id, iso(now + UPDATE_DELAY))
        after = await polls.get_poll(w, poll.id)
    assert after is not None
    return Cast(after, vote_ids, tuple(choices))


async def notify_ended(db: Database, ids: IdGenerator, now: dt.datetime) -> list[PollRow]:
    """`poll` notifications for every poll that ended and was not yet
    notified: its author (when local) and its local voters, from the author.
    Returns the polls this call claimed."""
    stamp = iso(now)
    claimed: list[PollRow] = []
    for poll in await polls.ended_unnotified(db, stamp):
        async with db.write() as w:
            if not await polls.claim_ended(w, poll.id, stamp):
                continue
            await notifications.notify(w, ids, poll.account_id, poll.account_id, "poll", poll.status_id,
                                       allow_self=True)
            for voter_id in await polls.local_voter_ids(w, poll.id):
                await notifications.notify(w, ids, voter_id, poll.account_id, "poll", poll.status_id)
        claimed.append(poll)
    return claimed
