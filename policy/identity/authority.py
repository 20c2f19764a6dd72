"""The development identity authority, and reading authority keys from config.

A real authority (a public security bureau's service, a licensed
verification provider) runs elsewhere and only its public key reaches the
node. For development and tests, `init` makes a local authority: an
Ed25519 key pair whose public half config.toml lists as

    [[identity.authorities]]
    id = "dev"
    public_key = "<raw 32-byte key, unpadded base64url>"
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from policy.identity._b64 import b64url_decode, b64url_encode
from policy.identity.attestation import encode_payload, signing_input
from policy.identity.idnumbers import BEIJING, KINDS, validate_id_number

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 600
NONCE_BYTES = 24
_AUTHORITY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class AuthorityKeyError(ValueError):
    """A key or authority entry that cannot be used."""


def generate_authority_key() -> tuple[bytes, str]:
    """A new key pair: (PKCS#8 PEM private key, raw public key as base64url)."""
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, public_key_b64(private.public_key())


def public_key_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return b64url_encode(raw)


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise AuthorityKeyError("the authority key is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise AuthorityKeyError("the authority key is not an Ed25519 key")
    return key


def parse_public_key(b64: str) -> Ed25519PublicKey:
    """A raw Ed25519 public key from its unpadded base64url (as in config.toml)."""
    try:
        raw = b64url_decode(b64.strip()) if isinstance(b64, str) else b""
    except ValueError:
        raise AuthorityKeyError("public_key is not unpadded base64url") from None
    if len(raw) != 32:
        raise AuthorityKeyError(f"public_key must be 32 bytes (43 base64url characters), not {len(raw)} bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def parse_authorities(entries: Iterable[tuple[str, str]]) -> dict[str, Ed25519PublicKey]:
    """The trusted authorities from config (id, public_key) pairs; ids unique."""
    keys: dict[str, Ed25519PublicKey] = {}
    for authority_id, public_key in entries:
        if not isinstance(authority_id, str) or not _AUTHORITY_ID.fullmatch(authority_id):
            raise AuthorityKeyError("an authority id is 1-64 letters, digits, '.', '_' or '-'")
        if authority_id in keys:
            raise AuthorityKeyError(f"authority {authority_id!r} is listed twice")
        try:
            keys[authority_id] = parse_public_key(public_key)
        except AuthorityKeyError as exc:
            raise AuthorityKeyError(f"authority {authority_id!r}: {exc}") from None
    return keys


def issue_attestation(private_key: Ed25519PrivateKey, *, issuer: str, subject: str, kind: str,
                      audience: str, name: str | None = None, id_number: str | None = None,
                      ttl_seconds: int = DEFAULT_TTL_SECONDS, now: float | None = None) -> str:
    """A signed token, as an authority would hand it to a person to paste.

    The id number is checked first: an authority that issues a malformed
    number has a bug, and tooling should say so rather than the node.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    issued_at = int(time.time() if now is None else now)
    if id_number is not None:
        validate_id_number(kind, id_number, today=dt.datetime.fromtimestamp(issued_at, BEIJING).date())
    payload: dict[str, Any] = {
        "iss": issuer, "sub": subject, "kind": kind, "aud": audience,
        "iat": issued_at, "exp": issued_at + ttl_seconds,
        "nonce": b64url_encode(secrets.token_bytes(NONCE_BYTES)),
    }
    if name is not None:
        payload["name"] = name
    if id_number is not None:
        payload["id_number"] = id_number
    logger.debug("issued attestation: iss=%s kind=%s aud=%s", issuer, kind, audience)
    return sign_payload(private_key, payload)


def sign_payload(private_key: Ed25519PrivateKey, payload: Mapping[str, Any]) -> str:
    """Sign any payload as-is: for tooling and tests that need odd tokens."""
    segment = b64url_encode(encode_payload(payload))
    return f"{segment}.{b64url_encode(private_key.sign(signing_input(segment)))}"
