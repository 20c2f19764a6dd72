"""Verifying identity attestations: each refusal has its own code."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from policy.identity import (
    CODES,
    Attestation,
    AttestationError,
    issue_attestation,
    nonce_key,
    sign_payload,
    verify_attestation,
)
from policy.identity._b64 import b64url_decode, b64url_encode
from policy.identity.attestation import signing_input

NOW = 1_795_400_000  # 2026-11-23, Beijing afternoon
DOMAIN = "node.example.cn"
NAME = "张三丰"
ID_NUMBER = "11010519491231002X"
USCC = "91350100M000100Y43"


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def authorities(key: Ed25519PrivateKey) -> dict[str, Ed25519PublicKey]:
    return {"dev": key.public_key()}


def payload(**changes: Any) -> dict[str, Any]:
    base = {"iss": "dev", "sub": "subject-1", "kind": "person", "aud": DOMAIN, "iat": NOW - 10,
            "exp": NOW + 600, "nonce": b64url_encode(b"n" * 16), "name": NAME, "id_number": ID_NUMBER}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign_raw(key: Ed25519PrivateKey, data: bytes) -> str:
    segment = b64url_encode(data)
    return f"{segment}.{b64url_encode(key.sign(signing_input(segment)))}"


def refusal(token: str, authorities: dict[str, Ed25519PublicKey], *, now: float = NOW,
            audience: str = DOMAIN) -> AttestationError:
    with pytest.raises(AttestationError) as err:
        verify_attestation(token, authorities, audience, now)
    # Whatever the fault, the person's legal data is never in the error
    for secret in (NAME, ID_NUMBER, USCC):
        assert secret not in str(err.value) and secret not in err.value.message
    assert err.value.code in CODES
    return err.value


def test_a_person_attestation_verifies(key: Ed25519PrivateKey, authorities: dict[str, Ed25519PublicKey]) -> None:
    # Given a token issued by the trusted development authority
    token = issue_attestation(key, issuer="dev", subject="subject-1", kind="person", audience=DOMAIN,
                              name=NAME, id_number=ID_NUMBER, ttl_seconds=600, now=NOW)
    # When the node verifies it
    att = verify_attestation(token, authorities, DOMAIN, NOW + 1)
    # Then every field comes back, and the repr keeps the legal data out of logs
    assert (att.issuer, att.subject, att.kind, att.audience) == ("dev", "subject-1", "person", DOMAIN)
    assert (att.name, att.id_number, att.issued_at, att.expires_at) == (NAME, ID_NUMBER, NOW, NOW + 600)
    assert NAME not in repr(att) and ID_NUMBER not in repr(att)
    with pytest.raises(AttributeError):
        att.name = "x"  # type: ignore[misc]


def test_an_organisation_attestation_without_name_verifies(key: Ed25519PrivateKey,
                                                           authorities: dict[str, Ed25519PublicKey]) -> None:
    token = sign_payload(key, payload(kind="organisation", id_number=USCC, name=None))
    att = verify_attestation(token, authorities, DOMAIN.upper(), NOW)
    assert (att.kind, att.name, att.id_number) == ("organisation", None, USCC)


def test_payload_is_sorted_compact_json(key: Ed25519PrivateKey) -> None:
    token = issue_attestation(key, issuer="dev", subject="s", kind="person", audience=DOMAIN, name=NAME, now=NOW)
    raw = b64url_decode(token.split(".")[0])
    doc = json.loads(raw)
    assert raw == json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert NAME.encode() in raw  # UTF-8, not \u escapes
    assert len(b64url_decode(doc["nonce"])) >= 16


def test_nonce_key_identifies_issuer_and_nonce(key: Ed25519PrivateKey,
                                              authorities: dict[str, Ed25519PublicKey]) -> None:
    # Given the same token verified twice (a replay)
    token = sign_payload(key, payload())
    first, again = (verify_attestation(token, authorities, DOMAIN, NOW) for _ in range(2))
    # Then the caller sees the same key both times and can refuse the second
    assert nonce_key(first) == nonce_key(again)
    assert len(nonce_key(first)) == 64 and int(nonce_key(first), 16) >= 0
    other_nonce = Attestation("dev", "subject-1", "person", DOMAIN, NOW, NOW + 1, b64url_encode(b"m" * 16))
    other_issuer = Attestation("dev2", "subject-1", "person", DOMAIN, NOW, NOW + 1, first.nonce)
    assert len({nonce_key(first), nonce_key(other_nonce), nonce_key(other_issuer)}) == 3
    assert ID_NUMBER not in nonce_key(first)


@pytest.mark.parametrize("token", [
    "", "no-dot", "a.b.c", "abc.", ".abc", "eyJ9.####", "eyJpc3MiOiJkZXYifQ==.AAAA",
    "x" * 9000 + ".AAAA", "eyJpc3MiOiJkZXYifQ." + b64url_encode(b"\0" * 63),
])
def test_malformed_shapes(token: str, authorities: dict[str, Ed25519PublicKey]) -> None:
    assert refusal(token, authorities).code == "malformed"


def test_non_text_token_is_malformed(authorities: dict[str, Ed25519PublicKey]) -> None:
    assert refusal(b"abc.def", authorities).code == "malformed"  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", [
    b"not json " + NAME.encode(),
    b"\xff\xfe",
    b"[1, 2]",
    b'{"iss": "dev", "iss": "dev"}',
    b'{"iss": "dev", "iat": NaN}',
    b'{"sub": "s"}',
    b'{"iss": 7}',
])
def test_malformed_payloads(raw: bytes, key: Ed25519PrivateKey, authorities: dict[str, Ed25519PublicKey]) -> None:
    assert refusal(sign_raw(key, raw), authorities).code == "malformed"


@pytest.mark.parametrize("changes", [
    {"sub": None}, {"sub": ""}, {"sub": 12}, {"aud": None}, {"kind": None}, {"kind": "robot"},
    {"iat": None}, {"iat": "1795400000"}, {"iat": True}, {"exp": 1.5}, {"exp": NOW - 10},
    {"nonce": None}, {"nonce": "c2hvcnQ"}, {"nonce": "not base64!"}, {"name": ""},
    {"name": "   "}, {"id_number": 110105}, {"name": "x" * 300},
])
def test_malformed_fields(changes: dict[str, Any], key: Ed25519PrivateKey,
                          authorities: dict[str, Ed25519PublicKey]) -> None:
    err = refusal(sign_payload(key, payload(**changes)), authorities)
    assert err.code == "malformed"
    assert next(iter(changes)) in err.message  # says which field


def test_unknown_authority(key: Ed25519PrivateKey, authorities: dict[str, Ed25519PublicKey]) -> None:
    err = refusal(sign_payload(key, payload(iss="elsewhere")), authorities)
    assert err.code == "unknown_authority" and "'elsewhere'" in err.message
    # An issuer that is not an identifier (here, someone's id number) is not echoed
    err = refusal(sign_payload(key, payload(iss=f"{NAME} {ID_NUMBER}")), authorities)
    assert err.code == "unknown_authority"


def test_signed_by_another_key(authorities: dict[str, Ed25519PublicKey]) -> None:
    # Given a token naming the trusted issuer but signed by an impostor's key
    token = sign_payload(Ed25519PrivateKey.generate(), payload())
    assert refusal(token, authorities).code == "bad_signature"


def test_tampered_payload(key: Ed25519PrivateKey, authorities: dict[str, Ed25519PublicKey]) -> None:
    # Given a genuine token whose payload is swapped for another subject's
    genuine = sign_payload(key, payload())
    forged = b64url_encode(json.dumps(payload(sub="subject-2"), sort_keys=True).encode())
    token = forged + "." + genuine.split(".")[1]
    assert refusal(token, authorities).code == "bad_signature"


def test_tampered_signature(key: Ed25519PrivateKey, authorities: dict[str, Ed25519PublicKey]) -> None:
    segment, signature = sign_payload(key, payload()).split(".")
    flipped = bytearray(b64url_decode(signature))
    flipped[5] ^= 1
    assert refusal(f"{segment}.{b64url_encode(bytes(flipped))}", authorities).code == "bad_signature"


def test_signature_without_context_is_refused(key: Ed25519PrivateKey,
                                              authorities: dict[str, Ed25519PublicKey]) -> None:
    # Given a signature over the bare payload (what a naive JWT-style signer makes)
    segment = b64url_encode(json.dumps(payload(), sort_keys=True).encode())
    token = f"{segment}.{b64url_encode(key.sign(segment.encode()))}"
    assert refusal(token, authorities).code == "bad_signature"


def test_wrong_audience(key: Ed25519PrivateKey, authorities: dict[str, Ed25519PublicKey]) -> None:
    err = refusal(sign_payload(key, payload(aud="other.example.cn")), authorities)
    assert err.code == "wrong_audience" and DOMAIN in err.message


def test_issued_in_the_future(key: Ed25519PrivateKey, authorities: dict[str, Ed25519PublicKey]) -> None:
    # Within five minutes of skew it passes; beyond, it is not yet valid
    verify_attestation(sign_payload(key, payload(iat=NOW + 300)), authorities, DOMAIN, NOW)
    err = refusal(sign_payload(key, payload(iat=NOW + 301, exp=NOW + 900)), authorities)
    assert err.code == "not_yet_valid"


def test_expired(key: Ed25519PrivateKey, authorities: dict[str, Ed25519PublicKey]) -> None:
    token = sign_payload(key, payload(exp=NOW + 60))
    verify_attestation(token, authorities, DOMAIN, NOW + 59)
    assert refusal(token, authorities, now=NOW + 60).code == "expired"


@pytest.mark.parametrize("kind,number", [
    ("person", ID_NUMBER[:17] + "1"),  # bad check digit
    ("person", USCC),  # an organisation's code for a person
    ("person", "110105" + "20271231" + "0027"),  # not born yet
    ("organisation", ID_NUMBER),  # a person's number for an organisation
    ("organisation", USCC[:17] + "4"),
])
def test_bad_id_number(kind: str, number: str, key: Ed25519PrivateKey,
                       authorities: dict[str, Ed25519PublicKey]) -> None:
    err = refusal(sign_payload(key, payload(kind=kind, id_number=number)), authorities)
    assert err.code == "bad_id_number"
    assert number not in err.message


def test_every_code_is_distinct_and_reachable(key: Ed25519PrivateKey,
                                              authorities: dict[str, Ed25519PublicKey]) -> None:
    tokens = [
        "garbage",
        sign_payload(key, payload(iss="elsewhere")),
        sign_payload(Ed25519PrivateKey.generate(), payload()),
        sign_payload(key, payload(aud="other.example")),
        sign_payload(key, payload(iat=NOW + 3600, exp=NOW + 7200)),
        sign_payload(key, payload(exp=NOW - 1, iat=NOW - 100)),
        sign_payload(key, payload(id_number=ID_NUMBER[:17] + "0")),
    ]
    errors = [refusal(t, authorities) for t in tokens]
    assert [e.code for e in errors] == list(CODES)
    assert len({e.message for e in errors}) == len(CODES)
