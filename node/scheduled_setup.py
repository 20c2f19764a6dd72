"""Publishing scheduled statuses at their time (Mastodon's
PublishScheduledStatusWorker), through the same gate as a post.

Every SWEEP_SECONDS the node claims due rows, one write transaction each
(`storage.scheduled_statuses.claim`: a lease of LEASE), and publishes
each claimed one as its author would post it then: the author must
still be able to post (not suspended or disabled; identity, posting
rights) and the text must pass screening and the link policy *now*
(`status_compose.prepare`, which calls `node.gate.vet_publication`). The
status is created in the same transaction that deletes the row, and only
while the lease is still this process's, so several processes never
publish one row twice; a process that dies mid-way leaves a lease that
runs out, and the row is due again (rows live in the database: a restart
loses nothing). A status held for review is published as held, like a
post.

Refused at publication time (the gate said no, the author can no longer
post, its media are gone): Mastodon drops such a status silently. This
node keeps the row as `refused` with the reason (the gate's message:
category or identity, never the matched text of anyone else), releases
its media back to the author's uploads, and logs it; the API no longer
lists it. No notification is sent: Mastodon has no notification type a
client could show for it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from aiohttp import web

from node.api.status_compose import Draft, Poster, check_text, after_publication, prepare, with_media
from node.api.polls import PollSettings
from node.keys import DB, IDS
from node.periodic import periodic
from storage import accounts, clock, statuses
from storage import scheduled_statuses as store
from storage.media import MediaTaken
from storage.scheduled_statuses import Claim
from storage.status_batch import create_statuses
from storage.statuses import StatusRow

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 10.0
LEASE = dt.timedelta(minutes=5)  # longer than one publication can take (mentions may be resolved)
BATCH = 50


class _LeaseLost(Exception):
    """Another process took the row over (or it was cancelled): roll back."""


class Refused(Exception):
    """The scheduled status may not be published; the reason is kept."""


def draft_from_params(params: dict[str, Any]) -> Draft:
    """A stored `params` back into a draft, checked as at compose time."""
    poll = params.get("poll") or {}
    settings = PollSettings(int(poll.get("expires_in") or 0), bool(poll.get("multiple")),
                            bool(poll.get("hide_totals")))
    draft = Draft(text=str(params.get("text") or ""), spoiler_text=str(params.get("spoiler_text") or ""),
                  sensitive=bool(params.get("sensitive")), visibility=str(params.get("visibility") or "public"),
                  language=params.get("language"), poll_options=tuple(poll.get("options") or ()),
                  poll_settings=settings, media_ids=tuple(int(i) for i in params.get("media_ids") or ()))
    check_text(draft)
    return draft


def _reason(exc: web.HTTPException) -> str:
    try:
        return str(json.loads(exc.text or "{}").get("error") or exc.reason)
    except ValueError:
        return exc.reason


async def _poster(app: web.Application, claim: Claim) -> Poster:
    db = app[DB]
    account = await accounts.get_account(db, claim.row.account_id)
    user = await accounts.get_user(db, claim.row.account_id)
    if account is None or user is None or account.suspended_at or user.disabled:
        raise Refused("The account can no longer post")
    return Poster(account, user, claim.row.application_id)


async def _parent(app: web.Application, params: dict[str, Any], author_id: int) -> StatusRow | None:
    """The status replied to, if the author can still see it (else a post
    of its own, as Mastodon does when the parent is gone)."""
    parent_id = params.get("in_reply_to_id")
    if not isinstance(parent_id, int):
        return None
    parent = await statuses.status_for_viewer(app[DB], parent_id, author_id)
    return parent if parent is not None and parent.reblog_of_id is None else None


async def publish_claimed(app: web.Application, claim: Claim) -> StatusRow | None:
    """Publish one claimed row; None if refused (recorded) or taken over."""
    params = json.loads(claim.row.params_json)
    try:
        poster = await _poster(app, claim)
        draft = await with_media(app, draft_from_params(params), poster.account.id, scheduled_id=claim.row.id)
        prepared = await prepare(app, poster, draft, await _parent(app, params, poster.account.id))
        async with app[DB].write() as w:
            if not await store.finish(w, claim):
                raise _LeaseLost()
            row = (await create_statuses(w, app[IDS], [prepared.creation]))[0]
    except _LeaseLost:
        return None
    except (web.HTTPException, Refused, MediaTaken) as exc:
        reason = _reason(exc) if isinstance(exc, web.HTTPException) else str(exc) or "Media are gone"
        async with app[DB].write() as w:
            await store.refuse(w, claim, reason)
        logger.info("scheduled status %d refused at publication: %s", claim.row.id, reason)
        return None
    await after_publication(app, row, prepared)
    return row


async def publish_due(app: web.Application, now: dt.datetime | None = None) -> int:
    """One pass: claim and publish what is due; how many were published."""
    now = now or clock.now()
    db, published = app[DB], 0
    for row_id in await store.due_ids(db, clock.iso(now), BATCH):
        async with db.write() as w:
            claim = await store.claim(w, row_id, now, LEASE)
        if claim is not None and await publish_claimed(app, claim) is not None:
            published += 1
    return published


scheduled_context = periodic("scheduled statuses", SWEEP_SECONDS, publish_due)
