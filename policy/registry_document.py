"""A shared registry document: signed permit and word lists from an association.

The file (ARCHITECTURE.md "Shared registries" documents it for other
implementations) is a JSON object of four strings:

    format     "permitted-node-registry/1"
    key        the publisher's Ed25519 public key, raw 32 bytes, unpadded base64url
    payload    the payload: a JSON text, carried as a string
    signature  Ed25519 over the UTF-8 bytes of `payload`, unpadded base64url

A verifier checks the signature over the exact bytes it received (the
payload string as UTF-8) and only then parses the payload, so no JSON
canonicalisation is needed to verify. The publisher writes the payload
canonically (sorted keys, no spaces, UTF-8 not escaped) so that the same
registry gives the same bytes. Everything here is pure: bytes and a key
in, a `RegistryDocument` (or a `RegistryDocumentError` with its reason) out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from policy.identity import AuthorityKeyError, parse_public_key, public_key_b64
from policy.identity._b64 import b64url_decode, b64url_encode
from policy.identity.attestation import encode_payload
from policy.permits import PermitEntry, PermitError, validate_entry
from policy.screening.decision import CATEGORY_ACTIONS

FORMAT = "permitted-node-registry/1"
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024  # 100,000 terms and 10,000 permits fit with room
MAX_PERMITS = 100_000
MAX_TERMS = 500_000  # over all lists
MAX_TERM_CHARS = 1000
MAX_VERSION = 2**53 - 1  # exact in every JSON implementation
CLOCK_SKEW = dt.timedelta(minutes=5)
# A published category name becomes part of a local one ("r<n>-<name>", at most 64).
LIST_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,47}")
PERMIT_KEYS = ("host", "number", "kind", "holder", "valid_until", "status")
LIST_KEYS = ("name", "action", "description", "exemptions", "terms")
PAYLOAD_KEYS = ("format", "version", "issued_at", "expires_at", "publisher", "permits", "lists")

# Why a document was refused (RegistryDocumentError.reason).
REASONS = ("malformed", "wrong_key", "bad_signature", "expired", "not_yet_valid", "older_version",
           "same_version")


class RegistryDocumentError(ValueError):
    """A document refused, with a machine reason and a message for the admin."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass(frozen=True, slots=True)
class PublishedList:
    """One screening category as published: its terms in list-file syntax."""

    name: str
    action: str
    description: str = ""
    exemptions: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()  # "substring:...", "word:...", "re:..."


@dataclass(frozen=True, slots=True)
class RegistryDocument:
    version: int
    issued_at: dt.datetime
    expires_at: dt.datetime
    publisher: str
    permits: tuple[PermitEntry, ...]
    lists: tuple[PublishedList, ...]
    digest: str  # sha256 of the payload bytes, hex


# --- writing ------------------------------------------------------------------

def stamp(moment: dt.datetime) -> str:
    """RFC 3339 UTC to the second, as the payload carries times."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def permit_fields(entry: PermitEntry) -> dict[str, Any]:
    until = entry.valid_until.isoformat() if entry.valid_until else None
    return {"host": entry.host, "number": entry.number, "kind": entry.kind, "holder": entry.holder,
            "valid_until": until, "status": entry.status}


def entry_digest(entry: PermitEntry) -> str:
    """What an admin approves of a draft entry: its published fields, hashed."""
    return hashlib.sha256(encode_payload(permit_fields(entry))).hexdigest()


def build_payload(*, version: int, issued_at: dt.datetime, expires_at: dt.datetime, publisher: str,
                  permits: Sequence[PermitEntry], lists: Sequence[PublishedList]) -> bytes:
    """The canonical payload bytes: permits by host, lists by name."""
    body = {
        "format": FORMAT, "version": version, "issued_at": stamp(issued_at),
        "expires_at": stamp(expires_at), "publisher": publisher,
        "permits": [permit_fields(e) for e in sorted(permits, key=lambda e: e.host)],
        "lists": [{"name": c.name, "action": c.action, "description": c.description,
                   "exemptions": list(c.exemptions), "terms": list(c.terms)}
                  for c in sorted(lists, key=lambda c: c.name)],
    }
    return encode_payload(body)


def sign_document(private_key: Ed25519PrivateKey, payload: bytes) -> bytes:
    """The file to publish: the envelope around `payload`, signed."""
    envelope = {"format": FORMAT, "key": public_key_b64(private_key.public_key()),
                "payload": payload.decode("utf-8"), "signature": b64url_encode(private_key.sign(payload))}
    return (json.dumps(envelope, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# --- reading ------------------------------------------------------------------

def open_document(body: bytes, public_key: str, *, now: dt.datetime) -> RegistryDocument:
    """Verify and parse; raises RegistryDocumentError (signature before content)."""
    payload = verified_payload(body, public_key)
    document = parse_payload(payload)
    if document.issued_at - CLOCK_SKEW > now:
        raise RegistryDocumentError("not_yet_valid", f"version {document.version} is issued "
                                    f"{stamp(document.issued_at)}, in the future")
    if document.expires_at <= now:
        raise RegistryDocumentError("expired", f"version {document.version} expired "
                                    f"{stamp(document.expires_at)}")
    return document


def verified_payload(body: bytes, public_key: str) -> bytes:
    """The payload bytes, once the signature by `public_key` over them holds."""
    if len(body) > MAX_DOCUMENT_BYTES:
        raise RegistryDocumentError("malformed", f"larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        envelope = json.loads(body)
    except (ValueError, RecursionError):
        raise RegistryDocumentError("malformed", "not a JSON document") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT:
        raise RegistryDocumentError("malformed", f"not a {FORMAT} document")
    fields = [envelope.get(k) for k in ("key", "payload", "signature")]
    if not all(isinstance(v, str) for v in fields):
        raise RegistryDocumentError("malformed", "key, payload and signature must be strings")
    key, payload_text, signature = fields
    if key != public_key:
        raise RegistryDocumentError("wrong_key", "signed for another key than the subscribed one")
    try:
        verifier: Ed25519PublicKey = parse_public_key(public_key)
        payload = payload_text.encode("utf-8")
        verifier.verify(b64url_decode(signature), payload)
    except (AuthorityKeyError, ValueError, UnicodeEncodeError, InvalidSignature):
        raise RegistryDocumentError("bad_signature", "the signature does not verify") from None
    return payload


def parse_payload(payload: bytes) -> RegistryDocument:
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):
        raise RegistryDocumentError("malformed", "the payload is not JSON") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise RegistryDocumentError("malformed", f"the payload is not a {FORMAT} payload")
    unknown = sorted(set(body) - set(PAYLOAD_KEYS))
    if unknown:
        raise RegistryDocumentError("malformed", f"unknown payload keys: {', '.join(unknown)}")
    version = body.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= MAX_VERSION:
        raise RegistryDocumentError("malformed", f"version must be an integer from 1 to {MAX_VERSION}")
    issued, expires = _time(body, "issued_at"), _time(body, "expires_at")
    if expires <= issued:
        raise RegistryDocumentError("malformed", "expires_at is not after issued_at")
    publisher = body.get("publisher", "")
    if not isinstance(publisher, str):
        raise RegistryDocumentError("malformed", "publisher must be a string")
    return RegistryDocument(version=version, issued_at=issued, expires_at=expires, publisher=publisher[:200],
                            permits=_permits(body.get("permits")), lists=_lists(body.get("lists")),
                            digest=hashlib.sha256(payload).hexdigest())


def _time(body: Mapping[str, Any], key: str) -> dt.datetime:
    value = body.get(key)
    try:
        if not isinstance(value, str) or not value.endswith("Z"):
            raise ValueError
        return dt.datetime.fromisoformat(value[:-1] + "+00:00")
    except ValueError:
        raise RegistryDocumentError("malformed", f"{key} must be a UTC time such as 2026-01-31T00:00:00Z") from None


def _array(value: Any, key: str, limit: int) -> list[Any]:
    if not isinstance(value, list):
        raise RegistryDocumentError("malformed", f"{key} must be an array")
    if len(value) > limit:
        raise RegistryDocumentError("malformed", f"{key}: more than {limit} items")
    return value


def _permits(value: Any) -> tuple[PermitEntry, ...]:
    entries: dict[str, PermitEntry] = {}
    for i, item in enumerate(_array(value, "permits", MAX_PERMITS)):
        where = f"permits[{i}]"
        if not isinstance(item, dict) or set(item) - set(PERMIT_KEYS):
            raise RegistryDocumentError("malformed", f"{where}: an object of {', '.join(PERMIT_KEYS)}")
        text = {k: item.get(k, "") for k in PERMIT_KEYS}  # host and number are checked below
        if not all(isinstance(v, str) for k, v in text.items() if k != "valid_until" or v is not None):
            raise RegistryDocumentError("malformed", f"{where}: every field is a string (valid_until may be null)")
        try:
            entry = validate_entry(text["host"], text["number"], text["kind"] or None, text["valid_until"] or None,
                                   holder=text["holder"] or "", status=text["status"] or "active")
        except PermitError as exc:
            raise RegistryDocumentError("malformed", f"{where}.{exc.field}: {exc.message}") from None
        if entry.host in entries:
            raise RegistryDocumentError("malformed", f"{where}: {entry.host} is listed twice")
        entries[entry.host] = entry
    return tuple(entries.values())


def _strings(value: Any, where: str, limit: int) -> tuple[str, ...]:
    items = _array(value, where, limit)
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_TERM_CHARS \
                or "\n" in item or "\r" in item:
            raise RegistryDocumentError("malformed", f"{where}[{i}]: a one-line string of 1 to "
                                        f"{MAX_TERM_CHARS} characters")
    return tuple(items)


def _lists(value: Any) -> tuple[PublishedList, ...]:
    lists: dict[str, PublishedList] = {}
    budget = MAX_TERMS
    for i, item in enumerate(_array(value, "lists", 1000)):
        where = f"lists[{i}]"
        if not isinstance(item, dict) or set(item) - set(LIST_KEYS):
            raise RegistryDocumentError("malformed", f"{where}: an object of {', '.join(LIST_KEYS)}")
        name, action, description = item.get("name"), item.get("action"), item.get("description", "")
        if not isinstance(name, str) or not LIST_NAME.fullmatch(name) or name in lists:
            raise RegistryDocumentError("malformed", f"{where}.name: a unique name of lowercase letters, "
                                        "digits, '_' or '-', at most 48")
        if action not in CATEGORY_ACTIONS or not isinstance(description, str):
            raise RegistryDocumentError("malformed", f"{where}: action is one of {', '.join(CATEGORY_ACTIONS)}"
                                        " and description a string")
        terms = _strings(item.get("terms"), f"{where}.terms", budget)
        budget -= len(terms)
        lists[name] = PublishedList(name, action, description[:500],
                                    _strings(item.get("exemptions", []), f"{where}.exemptions", 1000), terms)
    return tuple(lists.values())


def order_of(document: RegistryDocument, last_version: int | None, last_digest: str | None) -> str:
    """"new" or "unchanged" against the last good document; raises for an older one.

    The same version again is fine only as the same bytes (a re-fetch);
    different bytes under an old number would be a replay or a publisher's
    mistake, and either way not newer.
    """
    if last_version is None or document.version > last_version:
        return "new"
    if document.version == last_version and document.digest == last_digest:
        return "unchanged"
    reason = "same_version" if document.version == last_version else "older_version"
    raise RegistryDocumentError(reason, f"version {document.version} is not newer than version "
                                f"{last_version}, which stays in force")
