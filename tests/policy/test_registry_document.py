"""Signed registry documents: what is accepted and what is refused, and why.

Also checked the way another implementation would: only `json` and
`cryptography`, with nothing of this project's, following the format as
ARCHITECTURE.md documents it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from policy.identity import public_key_b64
from policy.permits import validate_entry
from policy.registry_document import (PublishedList, RegistryDocumentError, build_payload, entry_digest,
                                      open_document, order_of, sign_document)

NOW = dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.timezone.utc)
KEY = Ed25519PrivateKey.generate()
PUBLIC = public_key_b64(KEY.public_key())
PERMITS = [validate_entry("b.example.cn", "京ICP备12345678号-1", holder="乙公司", valid_until="2099-12-31"),
           validate_entry("a.example.cn:8443", "京ICP证123456号", status="suspended")]
LISTS = [PublishedList("spam", "reject", "bulk advertising", ("anti-spam",), ("substring:刷粉丝", "word:casino"))]


def payload(version: int = 3, *, issued: dt.datetime = NOW, days: int = 30, **overrides: object) -> bytes:
    args: dict[str, object] = {"version": version, "issued_at": issued, "expires_at": issued + dt.timedelta(days=days),
                               "publisher": "北京互联网协会", "permits": PERMITS, "lists": LISTS, **overrides}
    return build_payload(**args)  # type: ignore[arg-type]


def signed(version: int = 3, **kwargs: object) -> bytes:
    return sign_document(KEY, payload(version, **kwargs))


def refusal(body: bytes, *, key: str = PUBLIC, now: dt.datetime = NOW) -> str:
    with pytest.raises(RegistryDocumentError) as caught:
        open_document(body, key, now=now)
    return caught.value.reason


def test_a_signed_document_opens_with_its_entries_and_lists() -> None:
    document = open_document(signed(), PUBLIC, now=NOW)
    assert document.version == 3 and document.publisher == "北京互联网协会"
    assert [p.host for p in document.permits] == ["a.example.cn:8443", "b.example.cn"]  # sorted by host
    assert document.permits[0].status == "suspended" and document.permits[1].valid_until == dt.date(2099, 12, 31)
    assert document.lists == tuple(LISTS)
    envelope = json.loads(signed())
    assert document.digest == hashlib.sha256(envelope["payload"].encode("utf-8")).hexdigest()


def test_the_payload_is_canonical_and_another_implementation_can_verify_it() -> None:
    # Given the same registry published twice
    first, second = payload(), payload(permits=list(reversed(PERMITS)))
    # Then the bytes are the same: sorted keys, no spaces, UTF-8 not escaped
    assert first == second
    assert first == json.dumps(json.loads(first), sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode("utf-8")
    assert "北京互联网协会".encode() in first
    # And a verifier knowing only the documented format accepts it
    envelope = json.loads(sign_document(KEY, first))
    assert sorted(envelope) == ["format", "key", "payload", "signature"]
    raw_key = base64.urlsafe_b64decode(envelope["key"] + "=" * (-len(envelope["key"]) % 4))
    signature = base64.urlsafe_b64decode(envelope["signature"] + "==")
    Ed25519PublicKey.from_public_bytes(raw_key).verify(signature, envelope["payload"].encode("utf-8"))
    body = json.loads(envelope["payload"])
    assert body["format"] == "permitted-node-registry/1" and body["version"] == 3
    assert body["permits"][1] == {"host": "b.example.cn", "number": "京ICP备12345678号-1", "kind": "filing",
                                  "holder": "乙公司", "valid_until": "2099-12-31", "status": "active"}


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_a_changed_byte_breaks_the_signature(where: str) -> None:
    envelope = json.loads(signed())
    text = envelope[where]
    spot = text.index("b.example.cn") if where == "payload" else 10
    envelope[where] = text[:spot] + ("c" if text[spot] != "c" else "d") + text[spot + 1:]
    assert refusal(json.dumps(envelope).encode()) == "bad_signature"


def test_another_key_is_refused() -> None:
    other = Ed25519PrivateKey.generate()
    # Signed by another key that names itself: refused before any content is read
    assert refusal(sign_document(other, payload())) == "wrong_key"
    # Signed by another key but claiming ours: the signature fails
    forged = json.loads(sign_document(other, payload()))
    forged["key"] = PUBLIC
    assert refusal(json.dumps(forged).encode()) == "bad_signature"


def test_expired_and_future_documents_are_refused() -> None:
    assert refusal(signed(issued=NOW - dt.timedelta(days=31))) == "expired"
    assert refusal(signed(issued=NOW + dt.timedelta(hours=1))) == "not_yet_valid"
    # A few minutes of clock skew are tolerated
    assert open_document(signed(issued=NOW + dt.timedelta(minutes=2)), PUBLIC, now=NOW).version == 3


def test_version_order() -> None:
    last = open_document(signed(5), PUBLIC, now=NOW)
    assert order_of(open_document(signed(6), PUBLIC, now=NOW), 5, last.digest) == "new"
    assert order_of(last, 5, last.digest) == "unchanged"  # the same document fetched again
    assert order_of(last, None, None) == "new"
    for version, reason in ((4, "older_version"), (5, "same_version")):
        other = open_document(signed(version, publisher="changed"), PUBLIC, now=NOW)
        with pytest.raises(RegistryDocumentError) as caught:
            order_of(other, 5, last.digest)
        assert caught.value.reason == reason and "version 5, which stays in force" in caught.value.message


@pytest.mark.parametrize(("change", "message"), [
    ({"permits": [{"host": "x.example.cn", "number": "ICP 1", "kind": "", "holder": "", "valid_until": None,
                   "status": "active"}]}, "permits[0].number"),
    ({"permits": [{"host": "x.example.cn", "number": "京ICP备12345678号-1", "extra": "1"}]}, "permits[0]"),
    ({"permits": [dict.fromkeys(("host", "number"), "x") | {"host": "x.example.cn", "number": "京ICP备12345678号"}] * 2},
     "listed twice"),
    ({"lists": [{"name": "Spam!", "action": "reject", "terms": []}]}, "lists[0].name"),
    ({"lists": [{"name": "spam", "action": "ban", "terms": []}]}, "action"),
    ({"lists": [{"name": "spam", "action": "reject", "terms": ["two\nlines"]}]}, "lists[0].terms[0]"),
    ({"version": 0}, "version"),
    ({"surprise": 1}, "unknown payload keys"),
    ({"expires_at": "2026-11-22T00:00:00Z"}, "not after issued_at"),
])
def test_malformed_payloads_are_refused_naming_the_field(change: dict[str, object], message: str) -> None:
    body = json.loads(payload()) | change
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    with pytest.raises(RegistryDocumentError) as caught:
        open_document(sign_document(KEY, data), PUBLIC, now=NOW)
    assert caught.value.reason == "malformed" and message in caught.value.message


def test_not_a_document() -> None:
    assert refusal(b"host,number\nx,y\n") == "malformed"
    assert refusal(b'{"format": "something else"}') == "malformed"


def test_entry_digest_follows_the_published_fields() -> None:
    renewed = validate_entry("b.example.cn", "京ICP备12345678号-1", holder="乙公司", valid_until="2100-12-31")
    assert entry_digest(PERMITS[0]) != entry_digest(renewed)
    assert entry_digest(PERMITS[0]) == entry_digest(validate_entry(
        "B.Example.CN", "京ICP备12345678号-1", holder="乙公司", valid_until="2099-12-31", note="ignored"))
