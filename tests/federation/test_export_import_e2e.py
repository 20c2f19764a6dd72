"""Done when (issue #16): export from one node and import on another
round-trips. alice on node A follows a local account, an account on B and
one on C; C holds a permit A knows but B does not. Her archive's
following_accounts.csv, uploaded at B's /settings/import, makes B's
account follow the same accounts: the Follow reaches A and is accepted,
and the account on C, unpermitted for B, is skipped with nothing sent."""

from __future__ import annotations

import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from node.account_export import write_archive
from node.keys import DB, IDS
from storage import relationships
from storage.relationships import FollowOptions
from tests.federation.nodes import Peers, follow_remote, permit, quiet, start_peers
from tests.node.test_account_export_pages import browser_session, finished_counts, signed_in, upload


@pytest.fixture
async def peers(tmp_path: Path) -> AsyncIterator[Peers]:
    """A and B permit each other; A permits C; B does not know C."""
    started = await start_peers(tmp_path, 3)
    a, b, c = started.nodes
    for node, other in ((a, b), (b, a), (a, c), (c, a)):
        await permit(node, other)
    yield started
    await started.close()


async def test_following_exported_on_one_node_is_followed_on_another(peers: Peers, tmp_path: Path) -> None:
    a, b, c = peers.nodes
    # Given alice on A following dora (A), bob (B) and carol (C)
    alice, dora = await a.account("alice"), await a.account("dora")
    bob, carol = await b.account("bob"), await c.account("carol")
    await b.account("alice2")
    await follow_remote(a, alice.account, bob.account)
    await follow_remote(a, alice.account, carol.account)
    await relationships.follow(a.app[DB], a.app[IDS], alice.account.id, dora.account.id, FollowOptions(),
                               as_request=False)
    # When her archive is written on A
    archive = tmp_path / "alice.zip"
    await write_archive(a.app[DB], a.config, alice.account, archive)
    with zipfile.ZipFile(archive) as zf:
        following = zf.read("following_accounts.csv")
    assert following.count(b"\n") == 4  # the header and three accounts
    # And its following_accounts.csv is imported by alice2 on B
    async with browser_session() as browser:
        page = await signed_in(browser, b, "alice2")
        done = await upload(page, "following", following)
        assert done.status == 303, done.text
        # Then dora and bob are imported, carol (on a host B does not permit) is skipped
        assert await finished_counts(page) == ("3", "2", "1")
    await quiet([a, b])
    db_b = b.app[DB]
    me = await db_b.fetchval("SELECT id FROM accounts WHERE username = 'alice2' AND domain IS NULL")
    followed = await db_b.fetchall(
        "SELECT a.username, a.domain FROM follows f JOIN accounts a ON a.id = f.target_id WHERE f.account_id = ?",
        (me,))
    assert sorted((r[0], r[1]) for r in followed) == [("bob", None), ("dora", a.config.node.domain)]
    # And A received the Follow and holds B's alice2 as dora's follower
    on_a = await a.app[DB].fetchval(
        "SELECT count(*) FROM follows f JOIN accounts x ON x.id = f.account_id"
        " WHERE f.target_id = ? AND x.username = 'alice2' AND x.domain = ?", (dora.account.id, b.config.node.domain))
    assert on_a == 1
    # And nothing of B's reached C, and B never stored carol
    c_host, b_host = c.config.node.domain, b.config.node.domain
    assert await db_b.fetchval("SELECT count(*) FROM accounts WHERE domain = ?", (c_host,)) == 0
    assert await db_b.fetchval("SELECT count(*) FROM deliveries WHERE host = ?", (c_host,)) == 0
    assert await c.app[DB].fetchval("SELECT count(*) FROM inbox_activities WHERE host = ?", (b_host,)) == 0
