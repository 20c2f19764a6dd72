"""Inbox rows stored in groups: one transaction, dedupe per activity id kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

from federation.httpsig import rsa_public_key
from federation.keys import generate_keypair
from storage.database import open_database
from tests import backends
from storage.inbox import NewInboxActivity, count_by_state, store_activities, store_activity


def _row(row_id: int, activity_id: str) -> NewInboxActivity:
    return NewInboxActivity(row_id, activity_id, "http://peer.test/users/bob", "peer.test", None, "{}")


async def test_concurrent_stores_dedupe_by_activity_id(tmp_path: Path) -> None:
    async with open_database(backends.target_for(tmp_path / "db.sqlite3")) as db:
        assert await store_activity(db, _row(1, "http://peer.test/a/1"))
        results = await asyncio.gather(*(store_activity(db, _row(10 + n, f"http://peer.test/a/{n % 4}"))
                                         for n in range(12)))
        # a/1 was stored already; a/0, a/2, a/3 once each, by their first sender
        assert results == [True, False, True, True] + [False] * 8
        assert await count_by_state(db) == {"received": 4}


async def test_a_group_reports_each_row(tmp_path: Path) -> None:
    async with open_database(backends.target_for(tmp_path / "db.sqlite3")) as db:
        batch = [_row(1, "http://peer.test/a/1"), _row(2, "http://peer.test/a/1"), _row(3, "http://peer.test/a/2")]
        assert await store_activities(db, batch) == [True, False, True]


def test_parsed_keys_are_kept_per_pem_and_only_rsa() -> None:
    private, public = generate_keypair()
    key = rsa_public_key(public)
    assert key is not None and rsa_public_key(public) is key
    assert rsa_public_key(generate_keypair()[1]) is not key  # another PEM, another key
    assert rsa_public_key(private) is not None  # as httpsig's import accepted it
    assert rsa_public_key("not a key") is None
