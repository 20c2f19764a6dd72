"""The audit hash chain (policy/audit.py) on a real database."""

from __future__ import annotations

import itertools
from pathlib import Path

from policy import audit
from storage import audit as store
from storage.database import open_database
from tests import backends


async def _log(path: Path, n: int) -> None:
    async with open_database(backends.target_for(path)) as db:
        for i in range(n):
            await audit.append_now(db, audit.Entry("mod", "report.resolve", "report", str(i), {"n": i}))


def _tamper(path: Path, *sql: str) -> None:
    backends.raw_sql(backends.target_for(path), *sql, drop_audit_triggers=True)


async def _verify(path: Path) -> audit.Verification:
    async with open_database(backends.target_for(path)) as db:
        return await audit.verify_database(db)


async def test_intact_chain_verifies_with_count(tmp_path: Path) -> None:
    # Given five records
    path = tmp_path / "db.sqlite3"
    await _log(path, 5)
    # When verified
    result = await _verify(path)
    # Then it is intact, five long, each linked to the one before
    assert result.ok and result.count == 5
    async with open_database(backends.target_for(path)) as db:
        rows = [r async for r in store.walk(db)]
    assert rows[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


async def test_node_cannot_rewrite_history(tmp_path: Path) -> None:
    # Given a record; When the database is asked to change or delete it; Then it refuses
    path = tmp_path / "db.sqlite3"
    await _log(path, 1)
    for sql in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        try:
            backends.raw_sql(backends.target_for(path), sql)
        except backends.RawSqlError as exc:
            assert "append-only" in str(exc)
        else:
            raise AssertionError(f"{sql} was allowed")


async def test_edited_record_is_named(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _log(path, 5)
    # When record 3's details are edited behind the node's back
    _tamper(path, "UPDATE audit_log SET details_json = '{\"n\":99}' WHERE id = 3")
    result = await _verify(path)
    # Then verification stops at record 3
    assert not result.ok and result.record_id == 3 and result.position == 3
    assert "edited" in result.problem


async def test_removed_record_is_named(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _log(path, 5)
    _tamper(path, "DELETE FROM audit_log WHERE id = 2")
    result = await _verify(path)
    # Then the record after the gap is named, at position 2
    assert not result.ok and result.record_id == 3 and result.position == 2


async def test_swapped_records_are_named(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    await _log(path, 5)
    _tamper(path, "UPDATE audit_log SET id = -4 WHERE id = 4", "UPDATE audit_log SET id = 4 WHERE id = 2",
            "UPDATE audit_log SET id = 2 WHERE id = -4")
    result = await _verify(path)
    assert not result.ok and result.record_id == 2 and result.position == 2
