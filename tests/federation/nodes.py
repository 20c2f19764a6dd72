"""Two (or three) real nodes on loopback, each with its own permit, and
requests signed as an actor of one node: the peers the federation tests use.

A "remote actor" is a local account of another node: its private key is in
that node's accounts table, and its actor document is served by that node.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from federation.actors import actor_for
from federation.httpsig import ACTIVITY_JSON, sign_request
from federation.peers import url_host
from node.keys import DB, FEDERATION, IDS
from policy.permits import add_permit, validate_entry
from storage import clock, relationships
from storage.accounts import AccountRow, get_private_key
from storage.inbox import NewInboxActivity, store_activity
from storage.relationships import FollowOptions
from tests.conftest import Node, start_node
from tests.node.test_screening_api import CATEGORIES, write_lists

AP_HEADERS = {"Accept": ACTIVITY_JSON}
PERMITS = ("京ICP备00000001号-1", "京ICP备00000002号-1", "京ICP备00000003号-1")


@dataclass
class Peers:
    nodes: list[Node]
    runners: list[Any]

    async def close(self) -> None:
        for runner in self.runners:
            await runner.cleanup()


async def start_peers(root: Path, count: int = 2, **kwargs: Any) -> Peers:
    started = [await start_node(root / f"node{i}", permit=PERMITS[i], **kwargs) for i in range(count)]
    return Peers([n for n, _ in started], [r for _, r in started])


async def mutual_peers(root: Path, count: int = 2, *, screened: bool = False) -> Peers:
    """`count` nodes each permitting every other; `screened`: with the
    screening test categories (tests/node/test_screening_api.py)."""
    extra: dict[str, Any] = {}
    if screened:
        for i in range(count):
            write_lists(root / f"node{i}")
        extra["screening"] = CATEGORIES
    started = await start_peers(root, count, **extra)
    for node in started.nodes:
        for other in started.nodes:
            if other is not node:
                await permit(node, other)
    return started


async def permit(node: Node, peer: Node) -> None:
    """Register `peer`'s permit in `node`'s registry (the number it declares)."""
    entry = validate_entry(peer.config.node.domain, peer.config.node.permit)
    await add_permit(node.app[DB], node.app[IDS], entry)


async def signing_key(node: Node, account: AccountRow) -> tuple[str, str]:
    pem = await get_private_key(node.app[DB], account.id)
    assert pem is not None
    return account.public_key_id, pem


async def signed_post(http: aiohttp.ClientSession, url: str, activity: dict[str, Any] | bytes,
                      node: Node, account: AccountRow, **sign: Any) -> aiohttp.ClientResponse:
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    key_id, pem = await signing_key(node, account)
    headers = sign_request("POST", url, {"Content-Type": ACTIVITY_JSON}, body, key_id, pem, **sign)
    data = io.BytesIO(body) if len(body) > 65536 else body
    async with http.post(url, data=data, headers=headers) as resp:
        await resp.read()
        return resp


async def signed_get(http: aiohttp.ClientSession, url: str, node: Node,
                     account: AccountRow) -> tuple[int, Any]:
    key_id, pem = await signing_key(node, account)
    headers = sign_request("GET", url, dict(AP_HEADERS), None, key_id, pem)
    async with http.get(url, headers=headers) as resp:
        return resp.status, await resp.json(content_type=None)


async def settle(node: Node, timeout: float = 10.0, *, expect: int = 0) -> dict[str, int]:
    """Wait until the node's inbox holds `expect` rows or more (deliveries
    from a peer's queue take a moment) and its worker has no due rows;
    the count by state."""
    db = node.app[DB]
    for _ in range(int(timeout / 0.05)):
        if await db.fetchval("SELECT count(*) FROM inbox_activities") >= expect:
            break
        await asyncio.sleep(0.05)
    for _ in range(int(timeout / 0.05)):
        due = await db.fetchval("SELECT count(*) FROM inbox_activities WHERE state IN ('received','processing')")
        if not due:
            break
        await asyncio.sleep(0.05)
    rows = await db.fetchall("SELECT state, count(*) FROM inbox_activities GROUP BY state")
    return {r[0]: r[1] for r in rows}


def note(author: AccountRow, number: int, content: str = "<p>hello from afar</p>", **extra: Any) -> dict[str, Any]:
    uri = f"{author.uri}/statuses/{number}"
    return {"id": uri, "type": "Note", "attributedTo": author.uri, "content": content,
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [author.followers_url],
            "published": "2026-11-23T08:00:00Z", "url": uri, **extra}


def create(author: AccountRow, obj: dict[str, Any], suffix: str = "") -> dict[str, Any]:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{obj['id']}/activity{suffix}",
            "type": "Create", "actor": author.uri, "object": obj, "to": obj.get("to", []), "cc": obj.get("cc", [])}


def update(author: AccountRow, obj: dict[str, Any], content: str = "<p>edited</p>") -> dict[str, Any]:
    edited = {**obj, "content": content, "updated": "2026-11-23T09:00:00Z"}
    return {"id": f"{obj['id']}#update", "type": "Update", "actor": author.uri, "object": edited}


def delete(author: AccountRow, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"{obj['id']}#delete", "type": "Delete", "actor": author.uri,
            "object": {"id": obj["id"], "type": "Tombstone"}}


async def queue_inbound(node: Node, author: AccountRow, activity: dict[str, Any]) -> None:
    """Store an activity in `node`'s inbox as if accepted (the checks passed), unapplied."""
    await store_activity(node.app[DB], NewInboxActivity(
        node.app[IDS].next_id(), str(activity["id"]), author.uri, url_host(author.uri), None, json.dumps(activity)))


async def remote_account(node: Node, account: AccountRow) -> AccountRow:
    """`account` (of another node) as `node` knows it, fetched through its gate."""
    return await actor_for(node.app[FEDERATION], account.uri)


async def follow_remote(node: Node, local: AccountRow, account: AccountRow) -> AccountRow:
    """`local` (on `node`) follows `account` of another node, stored directly."""
    here = await remote_account(node, account)
    await relationships.follow(node.app[DB], node.app[IDS], local.id, here.id, FollowOptions(), as_request=False)
    return here


async def quiet(nodes: list[Node], timeout: float = 20.0) -> None:
    """Nothing due in any node's delivery queue, nothing unapplied in any inbox."""
    loop = asyncio.get_running_loop()
    deadline, calm = loop.time() + timeout, 0
    while loop.time() < deadline:
        busy = 0
        for node in nodes:
            soon = clock.iso(clock.now() + dt.timedelta(seconds=5))
            busy += await node.app[DB].fetchval(
                "SELECT count(*) FROM deliveries WHERE state IN ('queued', 'in_flight')"
                " AND next_attempt_at <= ?", (soon,))
            await settle(node, timeout=max(0.1, deadline - loop.time()))
        calm = calm + 1 if busy == 0 else 0
        if calm >= 2:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the nodes did not settle")
