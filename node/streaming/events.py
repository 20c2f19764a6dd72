"""Turning a committed status or notification into messages for listeners.

Whether a status belongs on a listener's stream is asked of the very
timeline query the REST API pages with, narrowed to that one status id
(home, list, public, hashtag), so a stream shows what a refresh would:
followers-only posts only to followers, blocks, mutes, suspensions and
restricted peers as the home timeline applies them, and never a held
(pending) status. Per event, membership is asked once per (stream,
viewer) and the status rendered once per distinct viewer, with the same
serializer as the REST API; a status the viewer's filters `hide` in the
stream's context is not sent.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from node.api.conversations import render_conversations
from node.entities.notification import render_notifications
from node.entities.status import render_statuses
from node.keys import DB
from node.streaming.broker import Broker, Connection, Message, Stream
from node.streaming.port import Gone, StatusEvent
from storage import conversations, relationships, statuses, timelines
from storage.notification_queries import NotificationRow
from storage.database import Database
from storage.statuses import StatusRow
from storage.timelines import Page

Pairs = list[tuple[Connection, Stream]]
NOTIFIED_STREAMS = ("user", "user:notification")
_CONTEXT = {"user": "home", "list": "home", "direct": "thread"}  # others: "public"


def _just(status_id: int) -> Page:
    """A page holding only this status, if the timeline holds it."""
    return Page(limit=1, max_id=status_id + 1, since_id=status_id - 1)


async def _member(db: Database, row: StatusRow, stream: Stream, viewer: int | None) -> bool:
    page, name = _just(row.id), stream.name
    if name == "user" and viewer is not None:
        return bool(await timelines.home_statuses(db, viewer, page))
    if name == "list" and viewer is not None and stream.list_id is not None:
        policy = await timelines.list_replies_policy(db, stream.list_id, viewer)
        return policy is not None and bool(await timelines.list_statuses(db, viewer, stream.list_id, policy, page))
    if name.removesuffix(":media") in ("public", "public:local", "public:remote"):
        return bool(await timelines.public_statuses(db, viewer, page, local=name.startswith("public:local"),
                                                    remote=name.startswith("public:remote"),
                                                    only_media=name.endswith(":media")))
    if name in ("hashtag", "hashtag:local") and stream.tag:
        tag_ids = await statuses.find_tag_ids(db, [stream.tag])
        return bool(tag_ids) and bool(await timelines.tag_statuses(
            db, viewer, page, any_tags=tag_ids, local=name == "hashtag:local"))
    if name == "direct" and viewer is not None and row.visibility == "direct":
        return bool(await statuses.visible_statuses(db, [row], viewer))
    return False


def _by_viewer(broker: Broker) -> dict[int | None, Pairs]:
    out: dict[int | None, Pairs] = {}
    for stream in broker.streams():
        for conn in broker.listeners(stream):
            out.setdefault(conn.viewer, []).append((conn, stream))
    return out


def _hidden(status: dict[str, Any], stream: Stream) -> bool:
    context = _CONTEXT.get(stream.name, "public")
    return any(r["filter"].get("filter_action") == "hide" and context in r["filter"].get("context", ())
               for r in status.get("filtered") or ())


async def _conversation(app: web.Application, row: StatusRow, viewer: int) -> str | None:
    """The direct stream's `conversation` payload: the viewer's stored
    Conversation that this status now ends, rendered as the REST API does."""
    stored = await conversations.ending_with(app[DB], viewer, row.id)
    if stored is None:
        return None
    return json.dumps((await render_conversations(app, [stored], viewer))[0], ensure_ascii=False)


async def _send_status(app: web.Application, broker: Broker, row: StatusRow, event: str,
                       viewer: int | None, pairs: Pairs) -> None:
    db = app[DB]
    member: dict[Stream, bool] = {}  # one query per stream, however many connections
    for stream in {s for _, s in pairs}:
        member[stream] = await _member(db, row, stream, viewer)
    wanted = [(c, s) for c, s in pairs if member[s]]
    if not wanted:
        return
    rendered = await render_statuses(app, [row], viewer)
    if not rendered:
        return
    status, payload = rendered[0], json.dumps(rendered[0], ensure_ascii=False)
    for conn, stream in wanted:
        if _hidden(status, stream):
            continue
        if stream.name == "direct" and viewer is not None:
            body = await _conversation(app, row, viewer)
            if body is not None:
                broker.publish([conn], Message(stream, "conversation", body))
        else:
            broker.publish([conn], Message(stream, event, payload))


async def send_status_event(app: web.Application, broker: Broker, event: StatusEvent) -> None:
    if event.gone is not None:
        await _send_delete(app, broker, event.gone, event.mentioned)
        return
    row = await statuses.get_status(app[DB], event.status_id)
    if row is None or not row.published:
        return  # held, or gone again before we got to it
    for viewer, pairs in _by_viewer(broker).items():
        await _send_status(app, broker, row, event.event, viewer, pairs)


def _public_delete(row: Gone, stream: Stream) -> bool:
    name = stream.name.removesuffix(":media")  # a deleted status's media is gone: no check
    if row.visibility != "public" or name not in ("public", "public:local", "public:remote",
                                                  "hashtag", "hashtag:local"):
        return False
    return not ((name.endswith(":local") and not row.local) or (name == "public:remote" and row.local))


async def _send_delete(app: web.Application, broker: Broker, row: Gone, mentioned: Sequence[int]) -> None:
    """`delete` with the id, to every listener who could have had the status
    (the row is gone, so this is decided from the row as it was)."""
    groups = _by_viewer(broker)
    signed_in = [v for v in groups if v is not None]
    followers = (await relationships.followers_among(app[DB], row.account_id, signed_in)
                 if row.visibility == "private" else set())
    message_for = {}
    for viewer, pairs in groups.items():
        insider = viewer is not None and (viewer == row.account_id or viewer in mentioned or viewer in followers
                                          or row.visibility in ("public", "unlisted"))
        for conn, stream in pairs:
            if _public_delete(row, stream) or (insider and stream.name in ("user", "list", "direct")):
                message = message_for.setdefault(stream, Message(stream, "delete", str(row.id)))
                broker.publish([conn], message)


async def send_notifications(app: web.Application, broker: Broker, rows: Sequence[NotificationRow]) -> None:
    """Each viewer's new notifications, rendered once, to their user streams."""
    by_account: dict[int, list[NotificationRow]] = {}
    for row in rows:
        by_account.setdefault(row.account_id, []).append(row)
    groups = _by_viewer(broker)
    for viewer, mine in by_account.items():
        pairs = [(c, s) for c, s in groups.get(viewer, []) if s.name in NOTIFIED_STREAMS]
        if not pairs:
            continue
        for body in await render_notifications(app, mine, viewer):
            payload = json.dumps(body, ensure_ascii=False)
            for conn, stream in pairs:
                broker.publish([conn], Message(stream, "notification", payload))
