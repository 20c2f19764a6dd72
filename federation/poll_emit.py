"""Poll activities this node sends, after the vote or sweep has committed
(called through `federation.emit.after_commit`, like every emit function).

`votes_cast`: a local account's votes on a remote poll, one Create of a
vote Note per choice, to the poll's author only. `poll_updated`: an Update
of a local poll's Question (new counts, or its end) to where the status
went and to the remote voters (Mastodon's DistributePollUpdateWorker).
"""

from __future__ import annotations

from collections.abc import Sequence

from federation import vocab
from federation.emit import NOTHING, Emitter
from federation.objects import note_for_status
from federation.outbox import Audience, Plan, send, status_audience
from federation.polls import vote_activity
from storage import accounts, polls, statuses


async def votes_cast(em: Emitter, poll_id: int, voter_id: int, vote_ids: Sequence[int]) -> Plan:
    poll = await polls.get_poll(em.db, poll_id)
    status = await statuses.get_status(em.db, poll.status_id) if poll else None
    voter = await accounts.get_account(em.db, voter_id)
    author = await accounts.get_account(em.db, poll.account_id) if poll else None
    if poll is None or status is None or voter is None or author is None or author.local or not voter.local:
        return NOTHING
    wanted = set(vote_ids)
    plan = NOTHING
    for vote in [v for v in await polls.votes_of(em.db, poll.id, voter.id) if v.id in wanted]:
        activity = vote_activity(voter.uri, author.uri, status.uri, vote.id, poll.options[vote.choice])
        plan = await send(em.queue, em.gate, activity, voter.id, Audience().plus(author.id))
    return plan


async def poll_updated(em: Emitter, status_id: int) -> Plan:
    status = await statuses.get_status(em.db, status_id)
    author = await accounts.get_account(em.db, status.account_id) if status else None
    poll = await polls.poll_of_status(em.db, status_id)
    if status is None or author is None or poll is None or not author.local or not status.published:
        return NOTHING
    note = await note_for_status(em.db, em.urls, status, author)  # a Question: the status has a poll
    mentions = (await statuses.mentions_of(em.db, [status.id])).get(status.id, [])
    audience = status_audience(status, [m.account_id for m in mentions]).plus(
        *await polls.remote_voter_ids(em.db, poll.id))
    return await send(em.queue, em.gate, vocab.update_activity(note, em.ids.next_id()), author.id, audience)
