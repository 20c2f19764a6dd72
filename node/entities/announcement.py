"""Mastodon's Announcement entity, for one viewer, in batches: the
viewer's read state and reactions, each reaction's custom emoji image
when it names one, the accounts the text mentions and the local statuses
it links to (resolved when it was saved), its tags and custom emoji."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from node.entities.custom_emoji import emojis_in_texts
from node.entities.status import tag_url
from node.keys import CONFIG, DB
from node.text import extract
from storage import accounts, announcements, custom_emojis, statuses
from storage.announcements import AnnouncementRow, ReactionCount


def _reaction(reaction: ReactionCount, emoji: dict[str, Any] | None, signed_in: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"name": reaction.name, "count": reaction.count}
    if signed_in:
        body["me"] = reaction.me
    if emoji is not None:
        body.update(url=emoji["url"], static_url=emoji["static_url"])
    return body


async def render_announcements(app: web.Application, rows: Sequence[AnnouncementRow],
                               viewer_id: int | None) -> list[dict[str, Any]]:
    db, config = app[DB], app[CONFIG]
    base = config.node.base_url
    ids = [r.id for r in rows]
    read = await announcements.read_ids(db, viewer_id, ids) if viewer_id is not None else frozenset()
    reactions = await announcements.reactions(db, ids, viewer_id)
    names = sorted({x.name for found in reactions.values() for x in found})
    local = await custom_emojis.find_used(db, [(None, n) for n in names])
    emoji = {n: custom_emojis.entity(local[(None, n)], base) for n in names if (None, n) in local}
    mentioned = {r.id: json.loads(r.mentions_json or "[]") for r in rows}
    linked = {r.id: json.loads(r.statuses_json or "[]") for r in rows}
    people = await accounts.get_accounts(db, [i for ids in mentioned.values() for i in ids])
    posts = {s.id: s for s in await statuses.get_statuses(db, [i for ids in linked.values() for i in ids])}
    out = []
    for row in rows:
        body: dict[str, Any] = {
            "id": str(row.id), "content": row.content, "starts_at": row.starts_at, "ends_at": row.ends_at,
            "all_day": bool(row.all_day), "published_at": row.published_at or row.created_at,
            "updated_at": row.updated_at,
            "mentions": [{"id": str(a.id), "username": a.username, "url": a.url or a.uri, "acct": a.acct()}
                         for a in (people[i] for i in mentioned[row.id] if i in people)],
            "statuses": [{"id": str(s.id), "url": s.url or s.uri}
                         for s in (posts[i] for i in linked[row.id] if i in posts) if s.deleted_at is None],
            "tags": [{"name": t, "url": tag_url(config, t)} for t in extract(row.text).tags],
            "emojis": await emojis_in_texts(db, None, [row.text], base),
            "reactions": [_reaction(x, emoji.get(x.name), viewer_id is not None)
                          for x in reactions.get(row.id, [])],
        }
        if viewer_id is not None:
            body["read"] = row.id in read
        out.append(body)
    return out
