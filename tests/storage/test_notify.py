"""Notifications between processes (`Database.notify` / `listen`): what the
streaming bus rides on (node/streaming/bus.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from storage.database import StorageError, open_database
from tests import backends


async def test_a_burst_arrives_whole_and_in_order_at_another_connection(tmp_path: Path) -> None:
    async with open_database(backends.target_for(tmp_path / "bus.sqlite3")) as db:
        if not db.dialect.notifications:
            # SQLite is one process: nothing to carry, and it says so
            with pytest.raises(StorageError):
                await db.notify("node_stream", ["x"])
            return
        # Given a listener on another connection
        async with db.listen("node_stream") as payloads:
            # When 2,000 events go out in batches of 500, as the bus sends a burst
            sent = [f'{{"s": ["update", {i}, []]}}' for i in range(2000)]
            for start in range(0, len(sent), 500):
                await db.notify("node_stream", sent[start:start + 500])

            async def first(n: int) -> list[str]:
                heard: list[str] = []
                async for payload in payloads:
                    heard.append(payload)
                    if len(heard) == n:
                        break
                return heard

            heard = await asyncio.wait_for(first(len(sent)), 10)
        # Then every one arrives, in the order sent
        assert heard == sent


async def test_a_channel_must_be_a_plain_name(tmp_path: Path) -> None:
    async with open_database(backends.target_for(tmp_path / "bus.sqlite3")) as db:
        if not db.dialect.notifications:
            pytest.skip("SQLite carries no notifications")
        with pytest.raises(ValueError):
            async with db.listen("x; DROP TABLE accounts"):
                pass
