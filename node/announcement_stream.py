"""Announcement events on the streaming API, as Mastodon sends them to
every signed-in user's `user` stream: `announcement` (the entity, as that
user sees it) when one is published or edited, `announcement.reaction`
(`{name, count, announcement_id}`) when a reaction is added or taken
back, `announcement.delete` (its id) when one is unpublished or deleted.

They go through the streaming port like status events (so a listener
on another process of the node hears them too) and need no membership
query: every user sees every announcement.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from node.entities.announcement import render_announcements
from node.streaming.broker import Message
from node.keys import DB
from node.streaming.port import STREAMING, AnnouncementEvent
from storage import announcements
from storage.announcements import AnnouncementRow

USER_STREAM = "user"


def _user_streams(app: web.Application) -> list[Any]:
    streaming = app.get(STREAMING)
    if streaming is None:
        return []
    broker = streaming.broker
    return [(s, broker.listeners(s)) for s in broker.streams() if s.name == USER_STREAM]


def stream_to_users(app: web.Application, event: str, announcement_id: int, payload: Any = "") -> None:
    """A reaction's count or a deletion, to every user stream."""
    streaming = app.get(STREAMING)
    if streaming is not None:
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        streaming.announcement(event, announcement_id, text)


async def stream_announcement(app: web.Application, row: AnnouncementRow) -> None:
    """Published or edited: the entity, as each listener sees it."""
    streaming = app.get(STREAMING)
    if streaming is not None:
        streaming.announcement("announcement", row.id)


async def send_announcement_event(app: web.Application, event: AnnouncementEvent) -> None:
    """This process's part of an announcement event."""
    if event.event != "announcement":
        text = event.payload or str(event.announcement_id)
        streaming = app.get(STREAMING)
        for stream, conns in _user_streams(app):
            assert streaming is not None
            streaming.broker.publish(conns, Message(stream, event.event, text))
        return
    row = await announcements.get(app[DB], event.announcement_id)
    if row is not None and row.published:
        await _send_entity(app, row)


async def _send_entity(app: web.Application, row: AnnouncementRow) -> None:
    """The entity, rendered once per listening viewer (read state and `me` are theirs)."""
    streaming = app.get(STREAMING)
    rendered: dict[int, str] = {}
    for stream, conns in _user_streams(app):
        assert streaming is not None
        for conn in conns:
            if conn.viewer is None:
                continue
            if conn.viewer not in rendered:
                body = (await render_announcements(app, [row], conn.viewer))[0]
                rendered[conn.viewer] = json.dumps(body, ensure_ascii=False)
            streaming.broker.publish([conn], Message(stream, "announcement", rendered[conn.viewer]))
