"""Delivery from a running node: a client posts, the permitted peer's inbox
receives it signed; a restarted node (a new app on the same database file)
finishes what the old one left."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port

from federation.delivery import DELIVERY_QUEUE
from node.app import create_app
from node.bootstrap import init_node
from node.config import Config, load_config
from node.delivery_setup import DELIVERY_SETTINGS
from node.keys import DB, IDS
from policy import permits
from storage import accounts
from tests.conftest import Node, write_config
from tests.federation.test_delivery_support import (
    FAST,
    PERMIT_NUMBER,
    Receiver,
    add_follow,
    remote_account,
)


async def serve(config: Config) -> tuple[Node, web.AppRunner]:
    app = create_app(config)
    app[DELIVERY_SETTINGS] = FAST
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", config.http.port).start()
    return Node(config, app, config.node.base_url), runner


@pytest.fixture
async def config(tmp_path: Path) -> Config:
    config = load_config(write_config(tmp_path / "node", unused_port()))
    await init_node(config)
    return config


async def wait_for(predicate: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


async def peer_with_follower(node: Node, alice_id: int) -> Receiver:
    """A permitted peer whose account follows alice; it verifies alice's signatures."""
    db, ids = node.app[DB], node.app[IDS]
    alice = await accounts.get_account(db, alice_id)
    assert alice is not None
    peer = Receiver(alice.public_key_pem)
    await permits.import_permits(db, ids, [permits.validate_entry(peer.host, PERMIT_NUMBER)])
    await add_follow(db, ids, await remote_account(db, ids, peer.host, "bob"), alice_id)
    return peer


async def test_a_post_is_delivered_signed_to_the_followers_peer(config: Config) -> None:
    node, runner = await serve(config)
    try:
        session = await node.account("alice")
        peer = await peer_with_follower(node, session.account.id)
        await peer.start()
        # When alice posts through the client API
        async with aiohttp.ClientSession() as http, http.post(
                node.url("/api/v1/statuses"), headers=session.headers, json={"status": "hello peers"}) as resp:
            assert resp.status == 200, await resp.text()
            status = await resp.json()
        # Then the peer's shared inbox receives the Create, signed by alice
        await wait_for(lambda: peer.received)
        [activity] = peer.received
        assert activity["type"] == "Create" and activity["object"]["id"].endswith(status["id"])
        assert peer.paths == ["/inbox"] and peer.refused == []
    finally:
        await peer.stop()
        await runner.cleanup()


async def test_a_restarted_node_delivers_what_the_stopped_one_left(config: Config) -> None:
    """At least once across a restart: rows in flight when the node stopped
    are claimed again after their lease; the peer dedupes by activity id."""
    node, runner = await serve(config)
    session = await node.account("alice")
    peer = await peer_with_follower(node, session.account.id)
    await peer.start()
    n = 40
    ids = [f"http://{config.node.domain}/users/alice/statuses/{i}/activity" for i in range(n)]

    def stop_partway(activity: dict[str, object]) -> web.Response | None:
        if len(peer.received) == n // 4:
            asyncio.get_running_loop().create_task(peer.stop())
        return None

    peer.respond = stop_partway
    # Given N activities queued by the node and a peer that goes away partway
    queue = node.app[DELIVERY_QUEUE]
    for activity_id in ids:
        await queue.enqueue({"id": activity_id, "type": "Create", "actor": session.account.uri},
                            [peer.inbox], session.account.id)
    await wait_for(lambda: peer.runner is None)
    # When the node stops, and a new node starts on the same database file
    await runner.cleanup()
    assert len(set(peer.ids())) < n
    peer.respond = None
    await peer.start()
    _restarted, runner2 = await serve(config)
    try:
        # Then every activity arrives
        await wait_for(lambda: set(peer.ids()) == set(ids), timeout=30)
    finally:
        await peer.stop()
        await runner2.cleanup()
