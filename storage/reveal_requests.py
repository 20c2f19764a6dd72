"""Identity officers and the requests to reveal a legal identity (articles 7(2), 7(4)).

Only rows: who holds the identity officer grant, and each reveal request
through pending -> approved | denied -> revealed. The rules are in
`policy.identity.duties`; every state change here is conditional on the
state before it, so two staff members acting at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import to_row, to_rows

IDENTITY_OFFICER = "identity_officer"
STATES = ("pending", "approved", "denied", "revealed")


@dataclass(frozen=True, slots=True)
class RevealRequest:
    id: int
    account_id: int
    requested_by: int
    reason: str
    report_id: int | None
    state: str
    decided_by: int | None
    decision_note: str
    decided_at: str | None
    reveal_id: int | None
    revealed_at: str | None
    created_at: str


async def has_grant(db: Database | Writer, account_id: int, grant: str = IDENTITY_OFFICER) -> bool:
    return await db.fetchone("SELECT 1 FROM staff_grants WHERE account_id = ? AND grant_name = ?",
                             (account_id, grant)) is not None


async def add_grant(w: Writer, account_id: int, granted_by: str, grant: str = IDENTITY_OFFICER) -> bool:
    """False if the account already holds it."""
    return await w.rowcount(
        "INSERT INTO staff_grants (account_id, grant_name, granted_by, created_at) VALUES (?,?,?,?)"
        " ON CONFLICT (account_id, grant_name) DO NOTHING", (account_id, grant, granted_by, now_iso())) == 1


async def remove_grant(w: Writer, account_id: int, grant: str = IDENTITY_OFFICER) -> bool:
    return await w.rowcount("DELETE FROM staff_grants WHERE account_id = ? AND grant_name = ?",
                            (account_id, grant)) == 1


async def holders(db: Database, grant: str = IDENTITY_OFFICER) -> list[int]:
    rows = await db.fetchall("SELECT account_id FROM staff_grants WHERE grant_name = ? ORDER BY created_at",
                             (grant,))
    return [int(r[0]) for r in rows]


async def insert_request(w: Writer, row: RevealRequest) -> None:
    await w.execute(
        "INSERT INTO identity_reveal_requests (id, account_id, requested_by, reason, report_id, state,"
        " decided_by, decision_note, decided_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (row.id, row.account_id, row.requested_by, row.reason, row.report_id, row.state, row.decided_by,
         row.decision_note, row.decided_at, row.created_at))


async def get_request(db: Database | Writer, request_id: int) -> RevealRequest | None:
    return to_row(RevealRequest, await db.fetchone(
        "SELECT * FROM identity_reveal_requests WHERE id = ?", (request_id,)))


async def decide(w: Writer, request_id: int, state: str, by: int, note: str) -> bool:
    """pending -> approved | denied; False if it was no longer pending."""
    assert state in ("approved", "denied")
    return await w.rowcount(
        "UPDATE identity_reveal_requests SET state = ?, decided_by = ?, decision_note = ?, decided_at = ?"
        " WHERE id = ? AND state = 'pending'", (state, by, note, now_iso(), request_id)) == 1


async def mark_revealed(w: Writer, request_id: int, by: int, reveal_id: int) -> bool:
    """approved -> revealed, by whoever asked, once; False otherwise."""
    return await w.rowcount(
        "UPDATE identity_reveal_requests SET state = 'revealed', reveal_id = ?, revealed_at = ?"
        " WHERE id = ? AND state = 'approved' AND requested_by = ?",
        (reveal_id, now_iso(), request_id, by)) == 1


async def list_requests(db: Database, *, states: tuple[str, ...] = STATES, limit: int = 50) -> list[RevealRequest]:
    marks = ",".join("?" * len(states))
    return to_rows(RevealRequest, await db.fetchall(
        f"SELECT * FROM identity_reveal_requests WHERE state IN ({marks}) ORDER BY id DESC LIMIT ?",
        (*states, limit)))


async def requests_between(db: Database, since: str, until: str) -> list[RevealRequest]:
    return to_rows(RevealRequest, await db.fetchall(
        "SELECT * FROM identity_reveal_requests WHERE created_at >= ? AND created_at < ? ORDER BY id",
        (since, until)))
