"""Verifying an attestation for an account and storing it, safely.

Everything that touches the database for identity lives here, so the
checks run in one order on every path (sign-up, the settings page, the
JSON endpoint, the command line): verify the token, then in one write
transaction use its nonce, check the per-identity account limit, and
store the encrypted record. A failure stores nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from policy import audit
from policy.identity.attestation import (
    Attestation,
    AttestationError,
    nonce_key,
    verify_attestation,
)
from policy.identity.vault import UnknownKeyError, Vault, load_key_file
from storage import identities, reveal_requests, sanctions
from storage.clock import iso
from storage.database import Database
from storage.identities import IdentityRow

logger = logging.getLogger(__name__)

REPLAYED = "This attestation has already been used; ask the identity authority for a new one."


@dataclass
class IdentityKeys:
    """The vault and trusted authorities of a running node.

    The vault is reloaded from its file when a blob names a key it does
    not hold: another process (`identity rotate-key`) rotated it.
    """

    key_file: object  # Path; kept loose so tests may pass str
    vault: Vault
    authorities: Mapping[str, Ed25519PublicKey]
    audience: str
    max_accounts: int
    _reloads: int = field(default=0, repr=False)
    _loaded_mtime: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._loaded_mtime = _mtime(self.key_file)

    def reload(self) -> None:
        self.vault = load_key_file(self.key_file)  # type: ignore[arg-type]
        self._reloads += 1

    def current(self) -> Vault:
        """The vault, reloaded first if `identity rotate-key` (another
        process) rewrote the key file: new records go under the new key."""
        if self._loaded_mtime != _mtime(self.key_file):
            self.reload()
            self._loaded_mtime = _mtime(self.key_file)
        return self.vault

    def decrypt(self, blob: str, associated: bytes) -> str:
        try:
            return self.vault.decrypt(blob, associated)
        except UnknownKeyError:
            self.reload()
            return self.vault.decrypt(blob, associated)


def _mtime(path: object) -> float:
    try:
        return os.stat(path).st_mtime_ns / 1e9  # type: ignore[arg-type]
    except OSError:
        return 0.0


def associated(account_id: int, what: str) -> bytes:
    """Binds a blob to its account and field: a blob moved elsewhere fails."""
    return f"account:{account_id}:{what}".encode()


@dataclass(frozen=True, slots=True)
class Enrolled:
    account_id: int
    authority: str
    kind: str
    verified_at: str


async def precheck(db: Database, keys: IdentityKeys, token: str, *, now: dt.datetime) -> Attestation:
    """Everything `enrol` checks, without storing: for sign-up, so that a
    refused attestation leaves no account behind."""
    att = verify_attestation(token.strip(), keys.authorities, keys.audience, now.timestamp())
    if await identities.nonce_used(db, nonce_key(att)):
        raise AttestationError("replayed", REPLAYED)
    subject = keys.vault.identity_hash(att.issuer, att.subject)
    others = len(await identities.accounts_with_subject(db, subject))
    if others >= keys.max_accounts:
        raise AttestationError("limit_reached", _limit_message(others, keys.max_accounts))
    return att


def _limit_message(others: int, limit: int) -> str:
    return f"This identity already backs {others} accounts on this node, the most allowed ({limit})."


async def enrol(db: Database, keys: IdentityKeys, account_id: int, token: str, *,
                now: dt.datetime) -> Enrolled:
    """Verify `token` for the account and store it; raises AttestationError."""
    att = verify_attestation(token.strip(), keys.authorities, keys.audience, now.timestamp())
    row = _row_for(keys, account_id, att, now)
    async with db.write() as w:
        if not await identities.use_nonce(w, nonce_key(att)):
            raise AttestationError("replayed", REPLAYED)
        others = await identities.count_accounts_for_subject(w, row.subject_hash, account_id)
        if others >= keys.max_accounts:
            raise AttestationError("limit_reached", _limit_message(others, keys.max_accounts))
        await identities.save_identity(w, row)
        if await sanctions.clear_posting_revoked(w, account_id):  # article 14: verified again
            await audit.append(w, audit.Entry("system", "account.restore_posting", "account", str(account_id),
                                              {"by": "identity verification"}))
    logger.info("identity verified for account %s by authority %s", account_id, att.issuer)
    return Enrolled(account_id, att.issuer, att.kind, row.verified_at)


def _row_for(keys: IdentityKeys, account_id: int, att: Attestation, now: dt.datetime) -> IdentityRow:
    vault = keys.current()
    name = vault.encrypt(att.name, associated(account_id, "name")) if att.name else None
    number = vault.encrypt(att.id_number, associated(account_id, "id_number")) if att.id_number else None
    return IdentityRow(
        account_id=account_id, authority=att.issuer,
        subject_hash=vault.identity_hash(att.issuer, att.subject), kind=att.kind,
        name_blob=name, id_number_blob=number, verified_at=iso(now), show_verified=0,
    )


@dataclass(frozen=True, slots=True)
class Revealed:
    """A legal identity, for an audited admin reveal only. Never logged."""

    account_id: int
    authority: str
    kind: str
    verified_at: str
    name: str | None = field(repr=False)
    id_number: str | None = field(repr=False)


class RevealClaimError(Exception):
    """The approved request a reveal must use was not there to use (taken, or never approved)."""


async def reveal(db: Database, keys: IdentityKeys, reveal_id: int, account_id: int, *,
                 actor: str, reason: str, request: tuple[int, int] | None = None,
                 details: Mapping[str, object] | None = None) -> Revealed | None:
    """Decrypt one account's identity, recording who asked and why first.

    Only `policy.identity.duties.perform_reveal` calls this: `request` is
    (request id, requester's account id) of an approved reveal request,
    used up in the same transaction that records the reveal, so one
    approval reveals once.
    """
    if not reason.strip():
        raise ValueError("a reason is required to reveal an identity")
    row = await identities.get_identity(db, account_id)
    if row is None:
        return None
    async with db.write() as w:  # the reveal and its audit record commit together, before decrypting
        if request is not None and not await reveal_requests.mark_revealed(w, request[0], request[1], reveal_id):
            raise RevealClaimError(f"reveal request {request[0]} is not approved for this reveal")
        await identities.record_reveal(w, reveal_id, account_id, actor, reason.strip())
        await audit.append(w, audit.Entry(actor, "identity.reveal", "account", str(account_id),
                                          {"reason": reason.strip(), "reveal_id": reveal_id, **(details or {})}))
    name = keys.decrypt(row.name_blob, associated(account_id, "name")) if row.name_blob else None
    number = (keys.decrypt(row.id_number_blob, associated(account_id, "id_number"))
              if row.id_number_blob else None)
    return Revealed(account_id, row.authority, row.kind, row.verified_at, name, number)


async def reencrypt_all(db: Database, keys: IdentityKeys) -> int:
    """Re-encrypt every record under the active key; safe while serving."""
    done = 0
    for row in await identities.all_blobs(db):
        name = _re(keys, row.name_blob, associated(row.account_id, "name"))
        number = _re(keys, row.id_number_blob, associated(row.account_id, "id_number"))
        if (name, number) == (row.name_blob, row.id_number_blob):
            continue
        if await identities.replace_blobs(db, row.account_id, name, number, row.name_blob, row.id_number_blob):
            done += 1
    return done


def _re(keys: IdentityKeys, blob: str | None, ad: bytes) -> str | None:
    vault = keys.current()
    if blob is None or not vault.needs_reencrypt(blob):
        return blob
    return vault.encrypt(keys.decrypt(blob, ad), ad)
