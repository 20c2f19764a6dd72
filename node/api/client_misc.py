"""The cheap endpoints clients call at start-up: markers, preferences, and
the lists this node keeps empty (custom emojis, announcements, scheduled
statuses...), each with Mastodon's scope and shape.

Empty because the feature does not exist here, not because it failed:
no custom emojis, announcements, endorsements, featured tags, domain
blocks or scheduled statuses; direct-message conversations are
not listed yet; peers and weekly activity until federation runs.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from aiohttp import web

from node import routing
from node.auth import Auth, authenticated
from node.errors import not_found, unprocessable
from node.keys import CONFIG, DB
from node.params import read_params
from storage import accounts, markers
from storage.clock import iso
from storage.markers import TIMELINES, MarkerRow


def serialize_marker(row: MarkerRow) -> dict[str, Any]:
    return {"last_read_id": str(row.last_read_id), "version": row.version, "updated_at": row.updated_at}


@authenticated("read", "read:statuses")
async def get_markers(request: web.Request, auth: Auth) -> web.Response:
    wanted = [str(t) for t in (await read_params(request)).list("timeline")]
    rows = await markers.get_markers(request.app[DB], auth.account_id, wanted)
    return web.json_response({r.timeline: serialize_marker(r) for r in rows})


@authenticated("write", "write:statuses")
async def save_markers(request: web.Request, auth: Auth) -> web.Response:
    """home[last_read_id] and/or notifications[last_read_id]; answers with
    the markers it set."""
    params = await read_params(request)
    positions: dict[str, int] = {}
    for timeline in TIMELINES:
        value = params.dict(timeline).get("last_read_id")
        if value is None:
            continue
        text = str(value).strip()
        if not text.isdigit():
            raise unprocessable("Validation failed: Last read id is not a number")
        positions[timeline] = int(text)
    rows = await markers.save_markers(request.app[DB], auth.account_id, positions) if positions else []
    return web.json_response({r.timeline: serialize_marker(r) for r in rows})


@authenticated("read", "read:accounts")
async def preferences(request: web.Request, auth: Auth) -> web.Response:
    user = await accounts.get_user(request.app[DB], auth.account_id)
    assert user is not None
    return web.json_response({
        "posting:default:visibility": user.default_visibility,
        "posting:default:sensitive": bool(user.default_sensitive),
        "posting:default:language": user.default_language or None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
        "reading:autoplay:gifs": False,
    })


async def custom_emojis(request: web.Request) -> web.Response:
    return web.json_response([])


async def instance_empty_list(request: web.Request) -> web.Response:
    """rules, peers, activity, domain_blocks: none yet."""
    return web.json_response([])


async def translation_languages(request: web.Request) -> web.Response:
    return web.json_response({})


async def extended_description(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    paragraphs = [p.strip() for p in config.node.description.split("\n\n") if p.strip()]
    content = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    changed = dt.datetime.fromtimestamp(config.path.stat().st_mtime, dt.timezone.utc)
    return web.json_response({"updated_at": iso(changed), "content": content})


@authenticated("read")
async def announcements(request: web.Request, auth: Auth) -> web.Response:
    return web.json_response([])


@authenticated("write", "write:accounts")
async def no_announcement(request: web.Request, auth: Auth) -> web.Response:
    """Dismissing or reacting to an announcement: there are none."""
    raise not_found()


def _empty_list(*scopes: str) -> Any:
    @authenticated(*scopes)
    async def handler(request: web.Request, auth: Auth) -> web.Response:
        return web.json_response([])

    return handler


@authenticated("read", "read:statuses")
async def no_scheduled_status(request: web.Request, auth: Auth) -> web.Response:
    raise not_found()


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/markers", get_markers),
        routing.post("/api/v1/markers", save_markers),
        routing.get("/api/v1/preferences", preferences),
        routing.get("/api/v1/custom_emojis", custom_emojis),
        *(routing.get(f"/api/v1/instance/{name}", instance_empty_list)
          for name in ("rules", "peers", "activity", "domain_blocks")),
        routing.get("/api/v1/instance/translation_languages", translation_languages),
        routing.get("/api/v1/instance/extended_description", extended_description),
        routing.get("/api/v1/announcements", announcements),
        routing.post("/api/v1/announcements/{id}/dismiss", no_announcement),
        routing.put("/api/v1/announcements/{id}/reactions/{name}", no_announcement),
        routing.delete("/api/v1/announcements/{id}/reactions/{name}", no_announcement),
        routing.get("/api/v1/conversations", _empty_list("read", "read:statuses")),
        routing.get("/api/v1/endorsements", _empty_list("read", "read:accounts")),
        routing.get("/api/v1/featured_tags", _empty_list("read", "read:accounts")),
        routing.get("/api/v1/featured_tags/suggestions", _empty_list("read", "read:accounts")),
        routing.get("/api/v1/domain_blocks", _empty_list("follow", "read", "read:blocks")),
        routing.get("/api/v1/scheduled_statuses", _empty_list("read", "read:statuses")),
        routing.get("/api/v1/scheduled_statuses/{id}", no_scheduled_status),
    ]
