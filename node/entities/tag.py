"""Mastodon's Tag entity with its week of usage history, in batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from node.entities.status import tag_url
from node.keys import CONFIG, DB
from storage import featured_tags, tag_queries
from storage.tag_queries import DayUse, TagRow


def history_entries(days: Sequence[DayUse]) -> list[dict[str, str]]:
    return [{"day": str(d.day), "uses": str(d.uses), "accounts": str(d.accounts)} for d in days]


async def render_tags(app: web.Application, rows: Sequence[TagRow], viewer_id: int | None) -> list[dict[str, Any]]:
    """`following` and `featuring` only for a signed-in viewer, as Mastodon."""
    config, db = app[CONFIG], app[DB]
    ids = [r.id for r in rows]
    history = await tag_queries.usage(db, ids)
    followed = await tag_queries.followed_by(db, viewer_id, ids)
    featured = await featured_tags.featured_tag_ids(db, viewer_id, ids)
    out = []
    for row in rows:
        body: dict[str, Any] = {"id": str(row.id), "name": row.name, "url": tag_url(config, row.name),
                                "history": history_entries(history.get(row.id, []))}
        if viewer_id is not None:
            body["following"] = row.id in followed
            body["featuring"] = row.id in featured
        out.append(body)
    return out


def render_unknown_tag(app: web.Application, name: str, signed_in: bool) -> dict[str, Any]:
    """A tag nobody has used yet (GET /api/v1/tags/:name still answers)."""
    body: dict[str, Any] = {"id": "", "name": name, "url": tag_url(app[CONFIG], name),
                            "history": history_entries(tag_queries.zero_usage())}
    if signed_in:
        body.update(following=False, featuring=False)
    return body
