"""Background work for polls: ends and debounced updates.

Every SWEEP_SECONDS the node (1) makes the `poll` notifications of polls
that have ended (their authors and local voters, once: `policy.polls.
notify_ended`) and sends the final Question of a local poll to peers, and
(2) sends the Update of each local poll whose votes have waited their
debounce (`polls.update_due_at`, set by a vote: Mastodon's 3 minutes).
Both are claimed by a row update, so several processes may sweep.
"""

from __future__ import annotations

import datetime as dt
import logging

from aiohttp import web

from federation import poll_emit
from federation.emit import after_commit
from node.keys import DB, IDS
from node.periodic import periodic
from policy.polls import notify_ended
from storage import clock, polls

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 30.0


async def _due_updates(app: web.Application, now: dt.datetime) -> list[int]:
    """Status ids of local polls whose debounced Update is due (claimed)."""
    db, claimed = app[DB], []
    for poll in await polls.due_updates(db, clock.iso(now)):
        async with db.write() as w:
            if poll.update_due_at and await polls.claim_update(w, poll.id, poll.update_due_at):
                claimed.append(poll.status_id)
    return claimed


async def sweep_polls(app: web.Application, now: dt.datetime | None = None) -> int:
    """One pass; returns how many polls it ended or updated."""
    now = now or clock.now()
    ended = await notify_ended(app[DB], app[IDS], now)
    status_ids = list(dict.fromkeys([*(p.status_id for p in ended), *await _due_updates(app, now)]))
    for status_id in status_ids:  # poll_updated sends nothing for a remote poll
        await after_commit(app, poll_emit.poll_updated, status_id)
    return len(status_ids)


poll_context = periodic("poll", SWEEP_SECONDS, sweep_polls)
