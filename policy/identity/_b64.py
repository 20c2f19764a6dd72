"""Strict base64url without padding, as tokens and key files use it.

`base64.urlsafe_b64decode` silently skips characters outside the alphabet
and accepts several spellings of the same bytes; a signed token must have
exactly one spelling, so decoding here refuses anything that does not
re-encode to the same text.
"""

from __future__ import annotations

import base64
import binascii
import re

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; ValueError on anything non-canonical."""
    if not isinstance(text, str) or not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not unpadded base64url") from exc
    # Unused trailing bits must be zero: one text per byte string.
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data
