"""Mastodon's streaming API over real loopback servers: WebSocket, server-sent
events, Mastodon.py's `stream_user`, and the broker's slow-client rule.

Negative cases are checked by order, not by waiting: after the action that
must not stream, an action that must stream follows, and the next event
has to be the second one (events are sent in commit order).
"""

from __future__ import annotations

import asyncio
import json
import queue
import time
from typing import Any

import aiohttp
import pytest
from mastodon import Mastodon, StreamListener

from node.streaming import api as streaming_api
from node.streaming.broker import Broker, Message, Stream
from node.streaming.port import STREAMING
from tests.conftest import Node, NodeThread, Session
from tests.node.test_account_deletion import _delete_on_page
from tests.node.test_media import png, upload
from tests.node.test_statuses import vetting_gate

WAIT = 10.0  # seconds: the most any expected event may take


async def call(http: aiohttp.ClientSession, node: Node, method: str, path: str, who: Session,
               **kwargs: Any) -> Any:
    async with http.request(method, node.url(path), headers=who.headers, **kwargs) as resp:
        assert resp.status == 200, (resp.status, await resp.text())
        return await resp.json()


async def post(http: aiohttp.ClientSession, node: Node, who: Session, text: str, **fields: Any) -> str:
    return str((await call(http, node, "POST", "/api/v1/statuses", who, json={"status": text, **fields}))["id"])


async def follow(http: aiohttp.ClientSession, node: Node, who: Session, target: Session) -> None:
    await call(http, node, "POST", f"/api/v1/accounts/{target.account.id}/follow", who)


async def connect(http: aiohttp.ClientSession, node: Node, who: Session | None,
                  stream: str = "user") -> aiohttp.ClientWebSocketResponse:
    query = f"?stream={stream}" + (f"&access_token={who.token}" if who else "")
    return await http.ws_connect(node.url("/api/v1/streaming" + query))


async def next_event(ws: aiohttp.ClientWebSocketResponse, *events: str) -> dict[str, Any]:
    """The next message whose event is one of `events` (any when none given)."""
    async with asyncio.timeout(WAIT):
        while True:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            body = json.loads(msg.data)
            if not events or body["event"] in events:
                return body  # type: ignore[no-any-return]


def status_of(message: dict[str, Any]) -> dict[str, Any]:
    return json.loads(message["payload"])  # type: ignore[no-any-return]


async def test_health(node: Node, http: aiohttp.ClientSession) -> None:
    async with http.get(node.url("/api/v1/streaming/health")) as resp:
        assert (resp.status, await resp.text()) == (200, "OK")


async def test_user_stream_update_notification_edit_delete(node: Node, http: aiohttp.ClientSession) -> None:
    # Given bob following alice, listening to his user stream
    alice, bob = await node.account("alice"), await node.account("bob")
    await follow(http, node, bob, alice)
    async with await connect(http, node, bob) as ws:
        # When alice posts, Then bob gets the status as the REST API renders it
        first = await post(http, node, alice, "hello streams")
        update = await next_event(ws)
        assert (update["stream"], update["event"]) == (["user"], "update")
        assert status_of(update)["id"] == first and status_of(update)["account"]["username"] == "alice"
        assert status_of(update)["favourited"] is False  # rendered for bob
        # When alice mentions bob, Then he gets the status and a mention notification
        mention = await post(http, node, alice, "@bob look")
        seen = {}
        while len(seen) < 2:
            message = await next_event(ws)
            seen[message["event"]] = status_of(message)
        assert seen["update"]["id"] == mention
        assert seen["notification"]["type"] == "mention" and seen["notification"]["status"]["id"] == mention
        # When alice edits, Then status.update; when she deletes, Then delete with the id
        await call(http, node, "PUT", f"/api/v1/statuses/{first}", alice, json={"status": "hello again"})
        edited = await next_event(ws)
        assert edited["event"] == "status.update" and "hello again" in status_of(edited)["content"]
        await call(http, node, "DELETE", f"/api/v1/statuses/{first}", alice)
        assert await next_event(ws) == {"stream": ["user"], "event": "delete", "payload": first}


async def test_private_and_held_posts_stay_off_streams(node: Node, http: aiohttp.ClientSession,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Given bob following alice but not carol
    alice, bob, carol = [await node.account(n) for n in ("alice", "bob", "carol")]
    await follow(http, node, bob, alice)
    async with await connect(http, node, bob) as ws:
        # When carol posts for her followers only, and alice's post is held for review
        await post(http, node, carol, "followers only", visibility="private")
        calls = vetting_gate(monkeypatch, "review")
        await post(http, node, alice, "held for review")
        assert calls
        monkeypatch.undo()
        # Then the next status bob receives is alice's next followers-only post
        mine = await post(http, node, alice, "for followers", visibility="private")
        assert status_of(await next_event(ws, "update"))["id"] == mine


async def test_hide_filters_and_direct_stream(node: Node, http: aiohttp.ClientSession) -> None:
    # Given bob following alice, hiding "spoilers" from his home timeline
    alice, bob = await node.account("alice"), await node.account("bob")
    await follow(http, node, bob, alice)
    await call(http, node, "POST", "/api/v2/filters", bob, json={
        "title": "No spoilers", "context": ["home"], "filter_action": "hide",
        "keywords_attributes": [{"keyword": "spoilers"}]})
    async with await connect(http, node, bob) as ws:
        await ws.send_json({"type": "subscribe", "stream": "direct"})
        await asyncio.sleep(0.2)
        # When alice posts spoilers, then a direct message to bob
        await post(http, node, alice, "spoilers: the butler did it")
        direct = await post(http, node, alice, "@bob psst", visibility="direct")
        # Then the spoilers never come; the message comes as a conversation too
        got: dict[str, list[dict[str, Any]]] = {"update": [], "conversation": []}
        while not (got["update"] and got["conversation"]):
            message = await next_event(ws, "update", "conversation")
            got[message["event"]].append(status_of(message))
        assert [s["id"] for s in got["update"]] == [direct]
        conversation = got["conversation"][0]
        assert conversation["last_status"]["id"] == direct and conversation["unread"] is True
        assert [a["username"] for a in conversation["accounts"]] == ["alice"]
        # And it is the conversation the REST API lists (same stored row)
        assert conversation == (await call(http, node, "GET", "/api/v1/conversations", bob))[0]


async def test_public_local_stream_has_public_posts_only(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    async with await connect(http, node, None, "public:local") as ws:  # a visitor, no token
        await post(http, node, alice, "unlisted", visibility="unlisted")
        await post(http, node, alice, "private", visibility="private")
        shown = await post(http, node, alice, "public")
        message = await next_event(ws)
        assert message["stream"] == ["public:local"] and status_of(message)["id"] == shown


async def test_hashtag_stream_and_unsubscribe(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    async with await connect(http, node, bob, "public:local") as ws:
        await ws.send_json({"type": "subscribe", "stream": "hashtag", "tag": "Cats"})
        await ws.send_json({"type": "unsubscribe", "stream": "public:local"})
        await asyncio.sleep(0.2)  # the server reads control messages in order; let it
        await post(http, node, alice, "dogs #dogs")
        cats = await post(http, node, alice, "cats #cats")
        message = await next_event(ws)
        assert message["stream"] == ["hashtag", "cats"] and status_of(message)["id"] == cats


async def test_server_sent_events(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    await follow(http, node, bob, alice)
    async with http.get(node.url("/api/v1/streaming/user"), headers=bob.headers) as resp:
        assert resp.status == 200 and resp.content_type == "text/event-stream"
        await asyncio.sleep(0.1)
        posted = await post(http, node, alice, "over SSE")
        fields: dict[str, str] = {}
        async with asyncio.timeout(WAIT):
            while "data" not in fields:
                line = (await resp.content.readline()).decode().rstrip("\n")
                if line and not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    fields[key] = value
        assert fields["event"] == "update" and json.loads(fields["data"])["id"] == posted


async def test_tokens_are_checked(node: Node, http: aiohttp.ClientSession) -> None:
    bob = await node.account("bob")
    for path in ("/api/v1/streaming/user", "/api/v1/streaming/user?access_token=nope",
                 "/api/v1/streaming/direct", "/api/v1/streaming/public?access_token=nope"):
        async with http.get(node.url(path)) as resp:
            assert resp.status == 401, path
            assert "error" in await resp.json()
    for query in ("?stream=user", "?stream=user&access_token=nope"):
        with pytest.raises(aiohttp.WSServerHandshakeError) as raised:
            await http.ws_connect(node.url("/api/v1/streaming" + query))
        assert raised.value.status == 401
    # The token may come as the WebSocket protocol, as browsers send it
    async with http.ws_connect(node.url("/api/v1/streaming?stream=user"), protocols=(bob.token,)) as ws:
        assert ws.protocol == bob.token
    # A subscription the token may not have is answered with an error message
    async with await connect(http, node, None, "public") as ws:
        await ws.send_json({"type": "subscribe", "stream": "user"})
        assert json.loads((await ws.receive(timeout=WAIT)).data) == {"error": "Missing access token", "status": 401}


async def test_slow_client_is_dropped_others_still_served(node: Node, http: aiohttp.ClientSession) -> None:
    # Given a client whose queue holds one message (and two streams that both get the post)
    alice = await node.account("alice")
    broker = node.app[STREAMING].broker
    broker.queue_limit = 1
    slow = await connect(http, node, alice, "user")  # closed by the server below
    broker.queue_limit = 256
    await slow.send_json({"type": "subscribe", "stream": "public:local"})
    async with await connect(http, node, None, "public:local") as fast:
        await asyncio.sleep(0.2)
        # When one post queues two messages for the slow client at once
        posted = await post(http, node, alice, "a burst")
        # Then the slow client is closed, and the other still gets the post
        assert status_of(await next_event(fast))["id"] == posted
        async with asyncio.timeout(WAIT):
            while (closing := await slow.receive()).type == aiohttp.WSMsgType.TEXT:
                pass
        assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 1013)  # try again later
        again = await post(http, node, alice, "still here")
        assert status_of(await next_event(fast))["id"] == again


def test_broker_drops_a_full_queue_only() -> None:
    broker = Broker(queue_limit=2)
    stream = Stream("public")
    slow, fast = broker.connect(None, frozenset()), broker.connect(None, frozenset())
    for conn in (slow, fast):
        broker.subscribe(conn, stream)
    fast.limit = 10
    for i in range(3):
        broker.publish(broker.listeners(stream), Message(stream, "update", str(i)))
    assert slow.closed and not fast.closed
    assert broker.listeners(stream) == [fast]


class Collector(StreamListener):
    def __init__(self) -> None:
        self.updates: queue.Queue[Any] = queue.Queue()

    def on_update(self, status: Any) -> None:
        self.updates.put(status)


def test_mastodon_py_stream_user(live_node: NodeThread) -> None:
    node = live_node.node
    assert node is not None
    alice_s, bob_s = live_node.call(node.account("alice")), live_node.call(node.account("bob"))
    alice = Mastodon(access_token=alice_s.token, api_base_url=node.base_url, version_check_mode="none")
    bob = Mastodon(access_token=bob_s.token, api_base_url=node.base_url, version_check_mode="none")
    bob.account_follow(alice_s.account.id)
    listener = Collector()
    handle = bob.stream_user(listener, run_async=True)
    try:
        deadline = time.monotonic() + WAIT  # wait until the stream is subscribed
        while not live_node.call(_has_listeners(node)) and time.monotonic() < deadline:
            time.sleep(0.05)
        posted = alice.status_post("hello, Mastodon.py listener")
        got = listener.updates.get(timeout=WAIT)
        assert got.id == posted.id and got.account.acct == "alice"
    finally:
        # The server ends the stream first: requests' close() would otherwise
        # wait for the next heartbeat, blocked behind the reading thread.
        live_node.call(_end_streams(node))
        handle.close()
        deadline = time.monotonic() + WAIT
        while handle.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not handle.is_alive()


async def _has_listeners(node: Node) -> bool:
    return not node.app[STREAMING].broker.idle


async def _end_streams(node: Node) -> None:
    node.app[STREAMING].broker.close_all()


async def test_public_media_stream_has_posts_with_attachments_only(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    picture = (await upload(http, node, alice, png(), description="a view"))[1]
    async with await connect(http, node, None, "public:local:media") as ws:
        await post(http, node, alice, "words only")
        shown = await post(http, node, alice, "with a picture", media_ids=[picture["id"]])
        message = await next_event(ws)
        assert message["stream"] == ["public:local:media"] and status_of(message)["id"] == shown
        assert status_of(message)["media_attachments"][0]["description"] == "a view"


async def test_streams_end_when_the_token_stops_signing_in(node: Node, http: aiohttp.ClientSession,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streaming_api, "HEARTBEAT_SECONDS", 0.2)
    bob = await node.account("bob2")
    # Given bob2 listening by WebSocket and by server-sent events
    async with await connect(http, node, bob) as ws, \
            http.get(node.url("/api/v1/streaming/user"), headers=bob.headers) as sse:
        assert sse.status == 200
        # When he deletes his account, which revokes every token of it
        status, _ = await _delete_on_page(node, "bob2", "correct horse")
        assert status == 200
        # Then both streams end within a few heartbeats
        async with asyncio.timeout(WAIT):
            msg = await ws.receive()
            while msg.type == aiohttp.WSMsgType.TEXT:
                msg = await ws.receive()
        assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED) and ws.close_code == 1008
        async with asyncio.timeout(WAIT):
            while await sse.content.readline():
                pass
    # And another account's stream is not touched by it
    async with await connect(http, node, await node.account("carol")) as ws:
        await asyncio.sleep(0.6)
        assert not ws.closed
