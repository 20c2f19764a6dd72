"""Inbound Notes go through the one publication decision (articles 8, 10):
reject drops, review holds (state 'pending', author-only), sensitive marks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from node.keys import DB
from storage import remote
from tests.federation.nodes import (
    Peers,
    create,
    follow_remote,
    note,
    permit,
    settle,
    signed_post,
    start_peers,
)
from tests.node.test_screening_api import CATEGORIES, write_lists


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    for i in range(2):
        write_lists(tmp_path / f"node{i}")
    started = await start_peers(tmp_path, 2, screening=CATEGORIES)
    await permit(started.nodes[0], started.nodes[1])
    await permit(started.nodes[1], started.nodes[0])  # mutual: actor documents need a permitted signer
    yield started
    await started.close()


@pytest.mark.parametrize(("text", "state", "sensitive"), [
    ("welcome to our online casino", None, None),
    ("cheap fake invoice service", "pending", 0),
    ("buy followers today", "published", 1),
    ("a quiet cup of tea", "published", 0),
])
async def test_screening_applies_to_inbound_notes(peers: Peers, http: aiohttp.ClientSession, text: str,
                                                 state: str | None, sensitive: int | None) -> None:
    home, peer = peers.nodes
    alice = await home.account("alice")
    bob = (await peer.account("bob")).account
    await follow_remote(home, alice.account, bob)
    obj = note(bob, 1, content=f"<p>{text}</p>")
    assert (await signed_post(http, home.url("/inbox"), create(bob, obj), peer, bob)).status == 202
    outcome = await settle(home)
    row = await remote.find_status_by_uri(home.app[DB], obj["id"])
    if state is None:
        assert row is None and outcome == {"dropped": 1}
        reason = await home.app[DB].fetchval("SELECT error FROM inbox_activities")
        assert "gambling" in reason
        return
    assert row is not None and (row.state, row.sensitive) == (state, sensitive)
    async with http.get(home.url("/api/v1/timelines/home"), headers=alice.headers) as resp:
        shown = [s["uri"] for s in await resp.json()]
    assert (obj["id"] in shown) == (state == "published")
    queued = await home.app[DB].fetchall("SELECT kind, action, status_id FROM moderation_queue")
    assert [tuple(q) for q in queued] == ([("remote_status", "review", row.id)] if state == "pending" else [])


async def test_links_to_hosts_without_a_permit_are_unlinked(peers: Peers, http: aiohttp.ClientSession) -> None:
    home, peer = peers.nodes
    alice = await home.account("alice")
    bob = (await peer.account("bob")).account
    await follow_remote(home, alice.account, bob)
    # Given a Note linking to its own (permitted) host and to a host without a permit
    own = f"{bob.uri}/about"
    obj = note(bob, 1, content=f'<p><a href="{own}">about</a> and <a href="https://casino.example.cn/x">win</a></p>')
    assert (await signed_post(http, home.url("/inbox"), create(bob, obj), peer, bob)).status == 202
    assert await settle(home) == {"done": 1}
    row = await remote.find_status_by_uri(home.app[DB], obj["id"])
    # Then the permitted link stays, the other is text only (article 7(6), [federation] links = unlink)
    assert row is not None and f'href="{own}"' in row.content
    assert "casino.example.cn" not in row.content and ">win</a>" in row.content
