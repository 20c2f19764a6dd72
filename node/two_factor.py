"""TOTP two-factor sign-in (RFC 6238, through pyotp) for any account, and
required of staff when `[sign_in] staff_two_factor` is on.

The secret is made here, shown once as an `otpauth://` URI (a QR code and
the base32 text on `/settings/two_factor`), stored encrypted by the
identity vault (bound to the account), and turned on only when a code
from it is entered. Ten one-time recovery codes (80 random bits each)
are shown once and stored as SHA-256 hashes. A code is accepted within
one 30-second step either side, and never twice (`last_step`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
from aiohttp import web

from node.keys import CONFIG, DB, IDENTITY
from storage import two_factor as store

RECOVERY_CODES = 10
ISSUER_FALLBACK = "permitted-node"


def _associated(account_id: int) -> bytes:
    return f"totp:{account_id}".encode()


def hash_code(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").replace(" ", "").encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    codes = [secrets.token_hex(10) for _ in range(RECOVERY_CODES)]
    return [f"{c[:5]}-{c[5:10]}-{c[10:15]}-{c[15:]}" for c in codes]


async def enabled(app: web.Application, account_id: int) -> bool:
    row = await store.get(app[DB], account_id)
    return row is not None and row.enabled_at is not None


async def pending_secret(app: web.Application, account_id: int) -> str:
    """The secret being set up (made now if none); '' when already enabled."""
    row = await store.get(app[DB], account_id)
    if row is not None and row.enabled_at is not None:
        return ""
    vault = app[IDENTITY].vault
    if row is None:
        await store.start(app[DB], account_id, vault.encrypt(pyotp.random_base32(), _associated(account_id)))
        row = await store.get(app[DB], account_id)
        assert row is not None
    return vault.decrypt(row.secret, _associated(account_id))


def provisioning_uri(app: web.Application, secret: str, username: str) -> str:
    issuer = app[CONFIG].node.domain or ISSUER_FALLBACK
    return pyotp.TOTP(secret).provisioning_uri(name=f"{username}@{issuer}", issuer_name=issuer)


def _matching_step(secret: str, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp, step_now = pyotp.TOTP(secret), int(time.time()) // 30
    for step in (step_now, step_now - 1, step_now + 1):
        if hmac.compare_digest(totp.at(step * 30), code):
            return step
    return None


async def enable(app: web.Application, account_id: int, code: str) -> list[str] | None:
    """Turn it on when `code` comes from the pending secret: the recovery codes, else None."""
    secret = await pending_secret(app, account_id)
    step = _matching_step(secret, code) if secret else None
    if step is None:
        return None
    codes = new_recovery_codes()
    if not await store.enable(app[DB], account_id, step, [hash_code(c) for c in codes]):
        return None
    return codes


async def verify(app: web.Application, account_id: int, code: str) -> bool:
    """A current TOTP code not used before, or an unused recovery code."""
    row = await store.get(app[DB], account_id)
    if row is None or row.enabled_at is None or not code.strip():
        return False
    secret = app[IDENTITY].vault.decrypt(row.secret, _associated(account_id))
    step = _matching_step(secret, code)
    if step is not None:
        return await store.use_step(app[DB], account_id, step)
    return await store.use_recovery_code(app[DB], account_id, hash_code(code))


async def disable(app: web.Application, account_id: int) -> None:
    await store.disable(app[DB], account_id)
