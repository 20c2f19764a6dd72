"""Leases on id slots (storage/ids.py): one per serving process.

A process claims the lowest slot whose lease has run out (or was never
taken), renews it while it runs and releases it when it stops; a process
killed without releasing leaves a lease that runs out after `LEASE`.
Claims happen inside a write transaction, which both backends serialise
across processes, so two processes never hold one slot.
"""

from __future__ import annotations

import datetime as dt

from storage.clock import iso, now
from storage.database import Database, StorageError
from storage.ids import SERVER_SLOTS

LEASE = dt.timedelta(minutes=10)
RENEW_EVERY = dt.timedelta(minutes=1)


async def claim_slot(db: Database, holder: str) -> int:
    moment = now()
    async with db.write() as w:
        rows = await w.fetchall("SELECT slot, holder, leased_until FROM id_slots")
        taken = {r[0] for r in rows if r[2] > iso(moment) and r[1] != holder}
        free = next((s for s in range(SERVER_SLOTS) if s not in taken), None)
        if free is None:
            raise StorageError(f"all {SERVER_SLOTS} id slots are leased: too many serving processes")
        await w.execute(
            "INSERT INTO id_slots (slot, holder, leased_until) VALUES (?, ?, ?) ON CONFLICT (slot)"
            " DO UPDATE SET holder = excluded.holder, leased_until = excluded.leased_until",
            (free, holder, iso(moment + LEASE)))
    return free


async def renew_slot(db: Database, slot: int, holder: str) -> bool:
    """Extend the lease; False when another process took the slot meanwhile."""
    return await db.execute("UPDATE id_slots SET leased_until = ? WHERE slot = ? AND holder = ?",
                            (iso(now() + LEASE), slot, holder)) == 1


async def release_slot(db: Database, slot: int, holder: str) -> None:
    await db.execute("DELETE FROM id_slots WHERE slot = ? AND holder = ?", (slot, holder))
