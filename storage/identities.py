"""Verified identities: encrypted blobs and keyed hashes, never plain values."""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import to_row, to_rows


@dataclass(frozen=True, slots=True)
class IdentityRow:
    account_id: int
    authority: str
    subject_hash: str
    kind: str
    name_blob: str | None
    id_number_blob: str | None
    verified_at: str
    show_verified: int


async def get_identity(db: Database, account_id: int) -> IdentityRow | None:
    return to_row(IdentityRow, await db.fetchone("SELECT * FROM identities WHERE account_id = ?", (account_id,)))


async def count_accounts_for_subject(w: Writer, subject_hash: str, except_account: int) -> int:
    row = await w.fetchone(
        "SELECT count(*) FROM identities WHERE subject_hash = ? AND account_id != ?"
        " AND account_deleted_at IS NULL",  # a deleted account's kept record holds no place
        (subject_hash, except_account),
    )
    return int(row[0]) if row else 0


async def accounts_with_subject(db: Database, subject_hash: str) -> list[int]:
    rows = await db.fetchall("SELECT account_id FROM identities WHERE subject_hash = ?", (subject_hash,))
    return [r[0] for r in rows]


async def nonce_used(db: Database, nonce_key: str) -> bool:
    return await db.fetchval("SELECT 1 FROM attestation_nonces WHERE nonce_key = ?", (nonce_key,)) is not None


async def use_nonce(w: Writer, nonce_key: str) -> bool:
    """Record an attestation's nonce; False if it was used before."""
    if await w.fetchone("SELECT 1 FROM attestation_nonces WHERE nonce_key = ?", (nonce_key,)):
        return False
    await w.execute("INSERT INTO attestation_nonces (nonce_key, used_at) VALUES (?, ?)", (nonce_key, now_iso()))
    return True


async def save_identity(w: Writer, row: IdentityRow) -> None:
    await w.execute(
        "INSERT INTO identities (account_id, authority, subject_hash, kind, name_blob, id_number_blob,"
        " verified_at, show_verified) VALUES (?,?,?,?,?,?,?,?)"
        " ON CONFLICT (account_id) DO UPDATE SET authority = excluded.authority,"
        " subject_hash = excluded.subject_hash, kind = excluded.kind, name_blob = excluded.name_blob,"
        " id_number_blob = excluded.id_number_blob, verified_at = excluded.verified_at",
        (row.account_id, row.authority, row.subject_hash, row.kind, row.name_blob,
         row.id_number_blob, row.verified_at, row.show_verified),
    )


async def set_show_verified(db: Database, account_id: int, show: bool) -> None:
    await db.execute("UPDATE identities SET show_verified = ? WHERE account_id = ?", (int(show), account_id))


async def verified_account_ids(db: Database, account_ids: list[int]) -> set[int]:
    if not account_ids:
        return set()
    marks = ",".join("?" * len(account_ids))
    rows = await db.fetchall(
        f"SELECT account_id FROM identities WHERE show_verified = 1 AND account_id IN ({marks})", account_ids
    )
    return {r[0] for r in rows}


async def record_reveal(db: Database | Writer, reveal_id: int, account_id: int, actor: str, reason: str) -> None:
    await db.execute(
        "INSERT INTO identity_reveals (id, account_id, actor, reason, created_at) VALUES (?,?,?,?,?)",
        (reveal_id, account_id, actor, reason, now_iso()),
    )


async def all_blobs(db: Database) -> list[IdentityRow]:
    return to_rows(IdentityRow, await db.fetchall("SELECT * FROM identities ORDER BY account_id"))


async def replace_blobs(db: Database, account_id: int, name_blob: str | None, id_number_blob: str | None,
                        old_name: str | None, old_number: str | None) -> bool:
    """Swap in re-encrypted blobs unless the row changed meanwhile."""
    async with db.write() as w:
        changed = await w.rowcount(
            "UPDATE identities SET name_blob = ?, id_number_blob = ? WHERE account_id = ?"
            " AND name_blob IS NOT DISTINCT FROM ? AND id_number_blob IS NOT DISTINCT FROM ?",
            (name_blob, id_number_blob, account_id, old_name, old_number),
        )
    return changed == 1
