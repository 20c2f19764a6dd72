"""Scheduled statuses: `POST /api/v1/statuses` with `scheduled_at`, and
`GET /api/v1/scheduled_statuses[/:id]`, `PUT` (reschedule), `DELETE` (cancel).

As Mastodon's PostStatusService: a `scheduled_at` in the past publishes at
once; one less than 5 minutes ahead is refused (422); at most 25 per UTC
day and 300 in all wait per account. The status is checked as a post
would be when it is scheduled (text, poll, media, reply, and the
publication gate, provisionally), and again, whole, when
`node/scheduled_setup.py` publishes it. Its media are reserved for it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from node import routing
from node.api.path_ids import path_id
from node.auth import Auth, authenticated
from node.entities.media import serialize_media
from node.errors import not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.pagination import paginate, read_page
from node.params import Params, read_params
from storage import clock, media
from storage import scheduled_statuses as store
from storage.scheduled_statuses import ScheduledRow

READ = ("read", "read:statuses")
WRITE = ("write", "write:statuses")
MIN_OFFSET = dt.timedelta(minutes=5)  # Mastodon's PostStatusService::MIN_SCHEDULE_OFFSET
DAILY_LIMIT, TOTAL_LIMIT = 25, 300  # Mastodon's ScheduledStatus limits
TOO_SOON = "Validation failed: Scheduled at The scheduled date must be in the future"


def _parse_time(raw: object) -> dt.datetime:
    """An ISO 8601 time (no zone: UTC) or the client's 422."""
    try:
        moment = dt.datetime.fromisoformat(str(raw).strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return moment.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        raise unprocessable("Validation failed: Scheduled at is invalid", field="scheduled_at") from None


def scheduled_at(params: Params) -> dt.datetime | None:
    """When to publish: None for now (absent, empty, or already past, as
    Mastodon publishes those at once); 422 if less than 5 minutes ahead."""
    raw = params.raw("scheduled_at")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    moment = _parse_time(raw)
    return None if moment <= clock.now() else _checked_offset(moment)


def _checked_offset(moment: dt.datetime) -> dt.datetime:
    if moment <= clock.now() + MIN_OFFSET:
        raise unprocessable(TOO_SOON, field="scheduled_at")
    return moment


async def _check_limits(app: web.Application, account_id: int, moment: dt.datetime, *,
                        moving: ScheduledRow | None = None) -> None:
    total, that_day = await store.counts(app[DB], account_id, clock.iso(moment)[:10])
    if moving is not None and moving.scheduled_at[:10] == clock.iso(moment)[:10]:
        that_day -= 1  # rescheduling within the same day takes no new place
    if moving is None and total >= TOTAL_LIMIT:
        raise unprocessable(f"Validation failed: You have exceeded the limit of {TOTAL_LIMIT} scheduled posts",
                            field="scheduled_at")
    if that_day >= DAILY_LIMIT:
        raise unprocessable(f"Validation failed: You have exceeded the limit of {DAILY_LIMIT} scheduled "
                            "posts for today", field="scheduled_at")


async def create(app: web.Application, account_id: int, application_id: int | None, moment: dt.datetime,
                 params: dict[str, Any], media_ids: Sequence[int]) -> web.Response:
    """Store a checked status for later; the ScheduledStatus entity."""
    await _check_limits(app, account_id, moment)
    row_id = app[IDS].next_id()
    async with app[DB].write() as w:
        if not await store.insert(w, row_id, account_id, application_id, clock.iso(moment),
                                  json.dumps(params, ensure_ascii=False), media_ids):
            raise unprocessable(f"Media {', '.join(map(str, media_ids))} not found or already attached "
                                "to another post")
        row = await store.get_own(w, row_id, account_id)
    assert row is not None
    return web.json_response((await render(app, [row]))[0])


async def render(app: web.Application, rows: Sequence[ScheduledRow]) -> list[dict[str, Any]]:
    """ScheduledStatus entities, their media in one query."""
    reserved = await store.media_ids_of(app[DB], [r.id for r in rows])
    found = {m.id: m for m in await media.get_many(app[DB], [i for ids in reserved.values() for i in ids])}
    base = app[CONFIG].node.base_url
    out = []
    for row in rows:
        params = json.loads(row.params_json)
        order = [int(i) for i in params.get("media_ids") or []]
        attached = [found[i] for i in order if i in found and i in reserved.get(row.id, [])]
        out.append({"id": str(row.id), "scheduled_at": row.scheduled_at, "params": params,
                    "media_attachments": [serialize_media(m, base) for m in attached]})
    return out


async def _own(request: web.Request, auth: Auth) -> ScheduledRow:
    row = await store.get_own(request.app[DB], path_id(request), auth.account_id)
    if row is None:
        raise not_found()
    return row


@authenticated(*READ)
async def list_scheduled(request: web.Request, auth: Auth) -> web.Response:
    rows = await store.list_own(request.app[DB], auth.account_id, read_page(request))
    return web.json_response(await render(request.app, rows), headers=paginate(request, [r.id for r in rows]))


@authenticated(*READ)
async def show_scheduled(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response((await render(request.app, [await _own(request, auth)]))[0])


@authenticated(*WRITE)
async def update_scheduled(request: web.Request, auth: Auth) -> web.Response:
    """Reschedule: `scheduled_at` only, at least 5 minutes ahead (Mastodon)."""
    row = await _own(request, auth)
    params = await read_params(request)
    raw = params.raw("scheduled_at")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return web.json_response((await render(request.app, [row]))[0])
    moment = _checked_offset(_parse_time(raw))
    await _check_limits(request.app, auth.account_id, moment, moving=row)
    async with request.app[DB].write() as w:
        if await store.get_own(w, row.id, auth.account_id) is None:  # published or cancelled meanwhile
            raise not_found()
        await store.update(w, row.id, clock.iso(moment))
        updated = await store.get_own(w, row.id, auth.account_id)
    assert updated is not None
    return web.json_response((await render(request.app, [updated]))[0])


@authenticated(*WRITE)
async def cancel_scheduled(request: web.Request, auth: Auth) -> web.Response:
    row = await _own(request, auth)
    async with request.app[DB].write() as w:
        await store.delete(w, row.id)
    return web.json_response({})


def routes() -> list[web.RouteDef]:
    base = "/api/v1/scheduled_statuses"
    return [
        routing.get(base, list_scheduled),
        routing.get(f"{base}/{{id}}", show_scheduled),
        routing.put(f"{base}/{{id}}", update_scheduled),
        routing.delete(f"{base}/{{id}}", cancel_scheduled),
    ]
