"""Identity attestations: a trusted authority vouches for who holds an account.

A token is `payload.signature`, both unpadded base64url. The payload is the
UTF-8 JSON object (sorted keys, no spaces):

    iss  authority id, as config.toml lists it   sub  the authority's subject id
    kind "person" | "organisation"               name legal name (optional)
    id_number resident id or USCC (optional)     aud  the node's domain
    iat, exp  unix seconds (integers)            nonce >= 16 random bytes, base64url

The Ed25519 signature covers `SIGNING_CONTEXT + payload segment` (the
base64url text, so no JSON canonicalisation is needed to verify). The
context prefix keeps an authority's key from being tricked into signing
something that would also read as an attestation.

`verify_attestation` is pure: single use (replay) is the caller's check,
storing `nonce_key(att)` in the same transaction that saves the identity.
Error messages never contain the name or identity number, and the
`Attestation` repr leaves them out, so either is safe to log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from policy.identity._b64 import b64url_decode
from policy.identity.idnumbers import BEIJING, KINDS, IdNumberError, validate_id_number

logger = logging.getLogger(__name__)

SIGNING_CONTEXT = b"permitted-node identity attestation v1\n"
CLOCK_SKEW_SECONDS = 300
MAX_TOKEN_CHARS = 8192  # far above a real token; bounds the work on garbage
MIN_NONCE_BYTES, MAX_NONCE_BYTES = 16, 64
MAX_TEXT_CHARS = 256
CODES = ("malformed", "unknown_authority", "bad_signature", "wrong_audience",
         "not_yet_valid", "expired", "bad_id_number")
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class AttestationError(ValueError):
    """Why a token was refused: `code` for programs, `message` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


@dataclass(frozen=True, slots=True)
class Attestation:
    """A verified attestation. Legal data stays out of repr (and so of logs)."""

    issuer: str
    subject: str
    kind: str
    audience: str
    issued_at: int
    expires_at: int
    nonce: str
    name: str | None = field(default=None, repr=False)
    id_number: str | None = field(default=None, repr=False)


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    """The payload bytes as issued: sorted keys, compact, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def signing_input(payload_segment: str) -> bytes:
    return SIGNING_CONTEXT + payload_segment.encode("ascii")


def nonce_key(att: Attestation) -> str:
    """What the caller stores to make a token single use (per authority)."""
    material = f"{len(att.issuer)}:{att.issuer}:{att.nonce}".encode()
    return hashlib.sha256(material).hexdigest()


def verify_attestation(token: str, authorities: Mapping[str, Ed25519PublicKey],
                       audience: str, now: float) -> Attestation:
    """The verified attestation, or AttestationError naming the first fault.

    The signature is checked before any field but `iss` is trusted, so a
    forged token never reaches the field and id-number checks.
    """
    segment, payload_bytes, signature = _split(token)
    payload = _parse_json(payload_bytes)
    issuer = payload.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise AttestationError("malformed", "the attestation has no issuer (iss)")
    key = authorities.get(issuer)
    if key is None:
        shown = repr(issuer) if _SAFE_ID.fullmatch(issuer) else "of this attestation"
        raise AttestationError("unknown_authority", f"the identity authority {shown} is not trusted by this node")
    try:
        key.verify(signature, signing_input(segment))
    except InvalidSignature:
        raise AttestationError(
            "bad_signature", "the attestation's signature does not match its issuer's key"
        ) from None
    att = _read_fields(payload, issuer)
    _check_audience_and_time(att, audience, now)
    if att.id_number is not None:
        today = dt.datetime.fromtimestamp(now, BEIJING).date()
        try:
            validate_id_number(att.kind, att.id_number, today=today)
        except IdNumberError as exc:
            raise AttestationError(
                "bad_id_number", f"the attested identity number is invalid: {exc.message}"
            ) from None
    logger.debug("attestation verified: iss=%s kind=%s", att.issuer, att.kind)
    return att


def _split(token: str) -> tuple[str, bytes, bytes]:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS:
        raise AttestationError("malformed", f"an attestation is a text of at most {MAX_TOKEN_CHARS} characters")
    parts = token.strip().split(".")
    if len(parts) != 2 or not all(parts):
        raise AttestationError("malformed", "an attestation has two parts: payload.signature")
    try:
        payload, signature = b64url_decode(parts[0]), b64url_decode(parts[1])
    except ValueError:
        raise AttestationError("malformed", "the attestation is not valid unpadded base64url") from None
    if len(signature) != 64:
        raise AttestationError("malformed", "the attestation's signature is not an Ed25519 signature")
    return parts[0], payload, signature


def _parse_json(data: bytes) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate key")
        return dict(pairs)

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates, parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError):
        # A JSON error message quotes the document: do not pass it on.
        raise AttestationError("malformed", "the attestation payload is not a UTF-8 JSON object") from None
    if not isinstance(value, dict):
        raise AttestationError("malformed", "the attestation payload is not a UTF-8 JSON object")
    return value


def _read_fields(payload: Mapping[str, Any], issuer: str) -> Attestation:
    kind = _text(payload, "kind")
    if kind not in KINDS:
        raise AttestationError("malformed", f"the attestation's kind must be one of {', '.join(KINDS)}")
    issued_at, expires_at = _seconds(payload, "iat"), _seconds(payload, "exp")
    if expires_at <= issued_at:
        raise AttestationError("malformed", "the attestation expires (exp) before it was issued (iat)")
    nonce = _text(payload, "nonce")
    try:
        nonce_size = len(b64url_decode(nonce))
    except ValueError:
        nonce_size = -1
    if not MIN_NONCE_BYTES <= nonce_size <= MAX_NONCE_BYTES:
        raise AttestationError(
            "malformed", f"the attestation's nonce must be {MIN_NONCE_BYTES} to {MAX_NONCE_BYTES} bytes of base64url"
        )
    return Attestation(
        issuer=issuer, subject=_text(payload, "sub"), kind=kind, audience=_text(payload, "aud"),
        issued_at=issued_at, expires_at=expires_at, nonce=nonce,
        name=_optional_text(payload, "name"), id_number=_optional_text(payload, "id_number"),
    )


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_CHARS:
        raise AttestationError(
            "malformed", f"the attestation's {key} must be a non-empty text of at most {MAX_TEXT_CHARS} characters"
        )
    return value


def _optional_text(payload: Mapping[str, Any], key: str) -> str | None:
    return None if payload.get(key) is None else _text(payload, key)


def _seconds(payload: Mapping[str, Any], key: str) -> int:
    value = payload.get(key)
    # bool is an int in Python; true is not a timestamp.
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AttestationError("malformed", f"the attestation's {key} must be whole unix seconds")
    return value


def _check_audience_and_time(att: Attestation, audience: str, now: float) -> None:
    # Domains are case-insensitive; anything else about them must match exactly.
    if att.audience.lower() != audience.lower():
        raise AttestationError("wrong_audience", f"the attestation was issued for another node, not {audience}")
    if att.issued_at > now + CLOCK_SKEW_SECONDS:
        raise AttestationError(
            "not_yet_valid", "the attestation was issued in the future: check the clocks of the node and the authority"
        )
    if now >= att.expires_at:
        raise AttestationError("expired", "the attestation has expired: ask the identity authority for a new one")
