"""Body digests: `Digest` (RFC 3230, draft-cavage) and `Content-Digest` (RFC 9530).

Both are SHA-256 only on the way out. On the way in a SHA-256 member is
required, as Mastodon requires it; a SHA-512 member, if also present, must
match too. The checks answer True or False; the signature modules turn a
False into their `digest_mismatch` reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging

import http_sf

logger = logging.getLogger(__name__)

_HASHES = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}


def digest_header(body: bytes) -> str:
    """The `Digest` value for `body`: `SHA-256=<base64>`."""
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def content_digest_header(body: bytes) -> str:
    """The `Content-Digest` value for `body`: `sha-256=:<base64>:`."""
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def check_digest_header(value: str, body: bytes) -> bool:
    """Whether a `Digest` header value carries a SHA-256 digest equal to `body`'s."""
    members: dict[str, bytes] = {}
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        if not sep:
            return False
        try:
            members[name.strip().lower()] = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
    return _members_match(members, body)


def check_content_digest(value: str, body: bytes) -> bool:
    """Whether a `Content-Digest` value carries a SHA-256 digest equal to `body`'s."""
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeEncodeError, http_sf.StructuredFieldError):
        return False
    if not isinstance(parsed, dict):
        return False
    members: dict[str, bytes] = {}
    for name, member in parsed.items():
        item = member[0] if isinstance(member, tuple) else None
        if not isinstance(item, bytes):
            return False
        members[name] = item
    return _members_match(members, body)


def _members_match(members: dict[str, bytes], body: bytes) -> bool:
    if "sha-256" not in members:
        return False
    for name, given in members.items():
        hasher = _HASHES.get(name)
        if hasher is not None and not hmac.compare_digest(given, hasher(body).digest()):
            return False
    return True
