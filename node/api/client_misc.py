"""The cheap endpoints clients call at start-up: markers, preferences and
the extended description, each with Mastodon's scope and shape. (Every
other start-up call has a module of its own that answers stored data:
custom emoji, announcements, endorsements, featured tags, domain blocks,
the instance's rules, peers and activity, scheduled statuses,
conversations, web push.)
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from aiohttp import web

from node import routing
from node.auth import Auth, authenticated
from node.api.path_ids import parse_id
from node.errors import unprocessable
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
        position = parse_id(value)
        if position is None:
            raise unprocessable("Validation failed: Last read id is not a number", field="last_read_id")
        positions[timeline] = position
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


async def extended_description(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    paragraphs = [p.strip() for p in config.node.description.split("\n\n") if p.strip()]
    content = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    changed = dt.datetime.fromtimestamp(config.path.stat().st_mtime, dt.timezone.utc)
    return web.json_response({"updated_at": iso(changed), "content": content})




def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/markers", get_markers),
        routing.post("/api/v1/markers", save_markers),
        routing.get("/api/v1/preferences", preferences),
        routing.get("/api/v1/instance/extended_description", extended_description),
    ]
