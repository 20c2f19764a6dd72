"""The node's own key pair (its instance actor), kept in `node_settings`.

Created once: every process of the node reads the same pair, the first
writer wins a race (inside one write transaction), and the others read what it wrote.
"""

from __future__ import annotations

from storage.database import Database

PRIVATE = "instance_actor.private_key_pem"
PUBLIC = "instance_actor.public_key_pem"


async def get_instance_keys(db: Database) -> tuple[str, str] | None:
    rows = await db.fetchall("SELECT key, value FROM node_settings WHERE key IN (?, ?)", (PRIVATE, PUBLIC))
    found = {r[0]: r[1] for r in rows}
    return (found[PRIVATE], found[PUBLIC]) if PRIVATE in found and PUBLIC in found else None


async def store_instance_keys(db: Database, private_pem: str, public_pem: str) -> tuple[str, str]:
    """Store a pair unless one exists; returns the stored pair."""
    async with db.write() as w:
        exists = await w.fetchone("SELECT 1 FROM node_settings WHERE key = ?", (PRIVATE,))
        if exists is None:
            await w.execute("INSERT INTO node_settings (key, value) VALUES (?, ?)", (PRIVATE, private_pem))
            await w.execute("INSERT INTO node_settings (key, value) VALUES (?, ?)"
                            " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (PUBLIC, public_pem))
    stored = await get_instance_keys(db)
    assert stored is not None
    return stored


VAPID_PRIVATE = "web_push.vapid_private_key_pem"
VAPID_PUBLIC = "web_push.vapid_public_key"


async def get_vapid_keys(db: Database) -> tuple[str, str] | None:
    """(private PEM, public key as unpadded base64url) of the node's Web Push
    (VAPID, RFC 8292) key pair, or None before it is made."""
    rows = await db.fetchall("SELECT key, value FROM node_settings WHERE key IN (?, ?)",
                             (VAPID_PRIVATE, VAPID_PUBLIC))
    found = {r[0]: r[1] for r in rows}
    return (found[VAPID_PRIVATE], found[VAPID_PUBLIC]) if len(found) == 2 else None


async def store_vapid_keys(db: Database, private_pem: str, public_key: str) -> tuple[str, str]:
    """Store the pair unless one exists (the first process wins); the stored pair."""
    async with db.write() as w:
        added = await w.rowcount(
            "INSERT INTO node_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (VAPID_PRIVATE, private_pem))
        if added:
            await w.execute(
                "INSERT INTO node_settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (VAPID_PUBLIC, public_key))
    stored = await get_vapid_keys(db)
    assert stored is not None
    return stored
