"""Polls: GET /api/v1/polls/:id, POST /api/v1/polls/:id/votes, and the
poll half of writing a status (its settings, creation and edit).

A vote on a local poll is counted here and its Question's new counts reach
peers a little later (the poll sweep, `node.poll_setup`); a vote on a
remote poll is counted here too and sent to the poll's author as Mastodon
does (`federation.poll_emit.votes_cast`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from federation import poll_emit
from federation.emit import after_commit
from node import routing
from node.api.path_ids import id_param, parse_id, path_id
from node.auth import Auth, authenticated, optional_auth
from node.entities.poll import render_poll
from node.errors import forbidden, not_found, unprocessable
from node.keys import DB, IDS
from node.params import Params, read_params
from policy.polls import INVALID_CHOICE, VoteRefused, cast_votes
from storage import clock, polls, relationships, statuses
from storage.database import Database, Writer
from storage.polls import NewPoll, PollRow
from storage.statuses import StatusRow


@dataclass(frozen=True, slots=True)
class PollSettings:
    """What a poll has besides its options (validated in status_compose)."""

    expires_in: int = 0
    multiple: bool = False
    hide_totals: bool = False


def _flag(value: Any) -> bool:
    return bool(Params({"v": [value]}).bool("v", False)) if value is not None else False


def poll_settings(params: Params) -> PollSettings:
    """`poll[expires_in]`, `poll[multiple]`, `poll[hide_totals]` (form) or the JSON `poll` object."""
    poll = params.raw("poll")
    if isinstance(poll, dict):
        return PollSettings(id_param(poll.get("expires_in")) or 0, _flag(poll.get("multiple")),
                            _flag(poll.get("hide_totals")))
    return PollSettings(id_param(params.raw("poll[expires_in]")) or 0, _flag(params.raw("poll[multiple]")),
                        _flag(params.raw("poll[hide_totals]")))


def new_poll(app: web.Application, status_id: int, account_id: int, options: Sequence[str],
             settings: PollSettings) -> NewPoll | None:
    if not options:
        return None
    ends = clock.iso(clock.now() + dt.timedelta(seconds=settings.expires_in))
    return NewPoll(id=app[IDS].next_id(), status_id=status_id, account_id=account_id,
                   options=tuple(o.strip() for o in options), expires_at=ends, multiple=settings.multiple,
                   hide_totals=settings.hide_totals)


async def has_poll(db: Database, status_id: int) -> bool:
    return await polls.poll_of_status(db, status_id) is not None


async def save_poll_edit(w: Writer, app: web.Application, row: StatusRow, options: Sequence[str],
                         settings: PollSettings) -> None:
    """Mastodon's UpdateStatusService#update_poll!: a poll sent replaces the
    status's (new options or `multiple` void the votes); none removes it."""
    existing = await polls.poll_of_status(w, row.id)
    new = new_poll(app, row.id, row.account_id, options, settings)
    if new is None:
        await polls.delete_poll(w, row.id)
    elif existing is None:
        await polls.insert_polls(w, [new])
    else:
        await polls.reset_poll(w, existing, new)


async def _visible_poll(request: web.Request, viewer_id: int | None) -> tuple[PollRow, StatusRow]:
    db = request.app[DB]
    poll = await polls.get_poll(db, path_id(request))
    status = await statuses.status_for_viewer(db, poll.status_id, viewer_id) if poll else None
    if poll is None or status is None:
        raise not_found()
    return poll, status


@optional_auth("read", "read:statuses")
async def show_poll(request: web.Request, auth: Auth | None) -> web.Response:
    viewer = auth.account_id if auth is not None and auth.account is not None else None
    poll, _status = await _visible_poll(request, viewer)
    return web.json_response(await render_poll(request.app[DB], poll, viewer))


def _choices(params: Params) -> list[int]:
    choices = [parse_id(c) for c in params.list("choices")]
    if not all(c is not None for c in choices):  # (a negative choice is as invalid as a word)
        raise unprocessable(f"Validation failed: {INVALID_CHOICE}", field="choices")
    return [c for c in choices if c is not None]


@authenticated("write", "write:statuses")
async def vote(request: web.Request, auth: Auth) -> web.Response:
    db = request.app[DB]
    poll, status = await _visible_poll(request, auth.account_id)
    if await relationships.blocked_either_way(db, auth.account_id, poll.account_id):
        raise forbidden()
    choices = _choices(await read_params(request))
    if not choices:  # Mastodon's VoteService returns without a vote
        return web.json_response(await render_poll(db, poll, auth.account_id))
    try:
        cast = await cast_votes(db, request.app[IDS], poll.id, auth.account_id, choices, now=clock.now(),
                                debounce=bool(status.local))
    except VoteRefused as exc:
        raise unprocessable(f"Validation failed: {exc}") from None
    if not status.local:
        await after_commit(request.app, poll_emit.votes_cast, poll.id, auth.account_id, cast.vote_ids)
    return web.json_response(await render_poll(db, cast.poll, auth.account_id))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/polls/{id}", show_poll),
        routing.post("/api/v1/polls/{id}/votes", vote),
    ]
