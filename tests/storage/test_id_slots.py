"""Ids unique across processes: each serving process leases a slot (storage/id_slots.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from storage import id_slots
from storage.clock import iso, now
from storage.database import StorageError, open_database
from storage.ids import SEQ_BITS, SERVER_SLOTS, SLOTS, IdGenerator
from tests import backends


def test_ids_carry_the_slot_and_keep_time_order() -> None:
    first, second = IdGenerator(3), IdGenerator(4)
    made = [first.next_id(at_ms=1_000), second.next_id(at_ms=1_000), first.next_id(), second.next_id()]
    assert len(set(made)) == 4
    assert [(i >> SEQ_BITS) & (SLOTS - 1) for i in made] == [3, 4, 3, 4]
    assert made[2] > made[0] and made[3] > made[1]  # later milliseconds, larger ids
    # 1,024 ids in one millisecond borrow the next one rather than repeat
    burst = [first.next_id() for _ in range(3000)]
    assert len(set(burst)) == 3000 and burst == sorted(burst)


def test_a_command_never_takes_a_server_slot() -> None:
    assert all(SERVER_SLOTS <= IdGenerator().slot < SLOTS for _ in range(200))


async def test_processes_lease_different_slots_and_a_lapsed_lease_is_taken_back(tmp_path: Path) -> None:
    async with open_database(backends.target_for(tmp_path / "ids.sqlite3")) as db:
        # Given two serving processes
        a = await id_slots.claim_slot(db, "process-a")
        b = await id_slots.claim_slot(db, "process-b")
        # Then they hold different slots, and renewing keeps one's own
        assert a != b and {a, b} <= set(range(SERVER_SLOTS))
        assert await id_slots.renew_slot(db, a, "process-a")
        assert not await id_slots.renew_slot(db, a, "process-b")
        # When a's process dies and its lease runs out
        await db.execute("UPDATE id_slots SET leased_until = ? WHERE slot = ?",
                         (iso(now() - dt.timedelta(seconds=1)), a))
        # Then a new process may take that slot, and the old holder learns it lost it
        c = await id_slots.claim_slot(db, "process-c")
        assert c == a and not await id_slots.renew_slot(db, a, "process-a")
        # And a release frees a slot at once
        await id_slots.release_slot(db, b, "process-b")
        assert await id_slots.claim_slot(db, "process-d") == b


async def test_too_many_processes_are_refused(tmp_path: Path) -> None:
    async with open_database(backends.target_for(tmp_path / "full.sqlite3")) as db:
        for n in range(SERVER_SLOTS):
            await id_slots.claim_slot(db, f"process-{n}")
        with pytest.raises(StorageError, match="too many serving processes"):
            await id_slots.claim_slot(db, "one-too-many")
