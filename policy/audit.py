"""The audit log as a hash chain (articles 7(1), 7(9)).

Each record is hashed as sha256(previous hash + canonical JSON of the
record), and carries the previous record's hash. Editing a record changes
its hash; removing one leaves the next pointing at a hash that is not
there; swapping two changes the order the chain is walked in. `verify`
walks the chain and says where it first breaks.

A record is written inside the write transaction of the action it
describes (`append`), so an action and its record commit together. The
write transaction (`BEGIN IMMEDIATE`) also serialises appends across
processes, so two writers never chain onto the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from storage import audit as store
from storage.audit import AuditRow
from storage.clock import now_iso
from storage.database import Database, Writer

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Entry:
    """What happened: who did what to which target, with details.

    Details never hold a legal identity: a reveal records who asked, why
    and which account, not what was revealed."""

    actor: str
    action: str
    target_type: str = ""
    target_id: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


def canonical(row_id: int, at: str, entry_like: Any, details_json: str) -> bytes:
    """The bytes a record's hash covers: every field but the hashes."""
    body = {"id": row_id, "at": at, "actor": entry_like.actor, "action": entry_like.action,
            "target_type": entry_like.target_type, "target_id": entry_like.target_id,
            "details": details_json}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + payload).hexdigest()


def encode_details(details: Mapping[str, Any]) -> str:
    return json.dumps(dict(details), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


async def append(w: Writer, entry: Entry) -> AuditRow:
    """Add `entry` to the chain inside the caller's write transaction."""
    last = await store.last_entry(w)
    row_id = (last.id + 1) if last else 1
    prev = last.hash if last else GENESIS
    at = now_iso()
    details = encode_details(entry.details)
    digest = chain_hash(prev, canonical(row_id, at, entry, details))
    row = AuditRow(row_id, at, entry.actor, entry.action, entry.target_type, str(entry.target_id),
                   details, prev, digest)
    await store.insert_entry(w, row)
    return row


async def append_now(db: Database, entry: Entry) -> AuditRow:
    """`append` in a transaction of its own, for actions already committed."""
    async with db.write() as w:
        return await append(w, entry)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    count: int
    head: str
    record_id: int | None = None   # the first record that does not fit
    position: int | None = None    # its 1-based place in the walk
    problem: str = ""


def check_row(row: AuditRow, prev: AuditRow | None, position: int) -> str:
    """Why `row` does not follow `prev`; empty when it does."""
    expected_prev = prev.hash if prev else GENESIS
    if row.id != position:
        return f"expected record {position} here, found {row.id} (removed or reordered)"
    if row.prev_hash != expected_prev:
        return "previous-hash link does not match the record before (removed or reordered)"
    if chain_hash(row.prev_hash, canonical(row.id, row.at, row, row.details_json)) != row.hash:
        return "contents do not match the record's hash (edited)"
    return ""


async def verify(rows: AsyncIterable[AuditRow]) -> Verification:
    """Walk the chain in id order; stop at the first break."""
    prev: AuditRow | None = None
    position = 0
    async for row in rows:
        position += 1
        problem = check_row(row, prev, position)
        if problem:
            return Verification(False, position - 1, prev.hash if prev else GENESIS, row.id, position, problem)
        prev = row
    return Verification(True, position, prev.hash if prev else GENESIS)


async def verify_database(db: Database) -> Verification:
    return await verify(store.walk(db))
