"""Mastodon's Poll entity (REST::PollSerializer), in batches.

Counts per option are null while totals are hidden (`hide_totals`) and
the poll is open, except for its author. `voted`/`own_votes` appear only
for a signed-in viewer; the author counts as having voted (Mastodon's
`voted?`), so apps show the results rather than the ballot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage import polls
from storage.clock import now_iso
from storage.database import Database
from storage.polls import PollRow


def serialize_poll(poll: PollRow, viewer_id: int | None, own: Sequence[int], now: str) -> dict[str, Any]:
    expired = poll.expired(now)
    show = expired or not poll.hide_totals or viewer_id == poll.account_id
    body: dict[str, Any] = {
        "id": str(poll.id),
        "expires_at": poll.expires_at,
        "expired": expired,
        "multiple": bool(poll.multiple),
        "votes_count": poll.votes_count,
        "voters_count": poll.voters_count,
        "options": [{"title": title, "votes_count": count if show else None}
                    for title, count in zip(poll.options, poll.tallies)],
        "emojis": [],
    }
    if viewer_id is not None:
        body["voted"] = viewer_id == poll.account_id or bool(own)
        body["own_votes"] = list(own)
    return body


async def polls_by_status(db: Database, status_ids: Sequence[int], viewer_id: int | None) -> dict[int, dict[str, Any]]:
    """Poll entities by status id for these statuses: two queries at most."""
    found = await polls.polls_for_statuses(db, status_ids)
    if not found:
        return {}
    own = await polls.own_votes(db, viewer_id, [p.id for p in found.values()]) if viewer_id is not None else {}
    now = now_iso()
    return {sid: serialize_poll(p, viewer_id, own.get(p.id, []), now) for sid, p in found.items()}


async def render_poll(db: Database, poll: PollRow, viewer_id: int | None) -> dict[str, Any]:
    own = (await polls.own_votes(db, viewer_id, [poll.id])).get(poll.id, []) if viewer_id is not None else []
    return serialize_poll(poll, viewer_id, own, now_iso())
