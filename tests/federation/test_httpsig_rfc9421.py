"""RFC 9421 HTTP Message Signatures and the verify_any front door."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.httpsig import SignatureError, sign_request
from federation.keys import generate_keypair
from federation.rfc9421 import (
    select_signature,
    sign_rfc9421,
    signature_key_id,
    verify_any,
    verify_rfc9421,
)

KEY_ID = "https://a.example/users/alice#main-key"
INBOX = "https://b.example/inbox"
NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
BODY = b'{"type":"Follow","actor":"https://a.example/users/alice"}'

# RFC 9421 appendix B.1.4 test-key-ed25519 (base64url seed and public key)
RFC_ED25519_SEED = "n4Ni-HpISpVObnQMW0wOhCKROaIKqKtW_2ZYb2p9KcU"
RFC_ED25519_PUBLIC = "JrQLj5P_89iXES9-vFgrIy29clF9CC_oPPsw3c5D0bs"
RFC_B26_INPUT = ('sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
                 ';created=1618884473;keyid="test-key-ed25519"')
RFC_B26_SIGNATURE = ("sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5"
                     "lIp5WPpBKRCw==:")


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture(scope="module")
def other_keys() -> tuple[str, str]:
    return generate_keypair()


def _ed25519_pems(seed: bytes | None = None) -> tuple[str, str]:
    key = (ed25519.Ed25519PrivateKey.from_private_bytes(seed) if seed
           else ed25519.Ed25519PrivateKey.generate())
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signed_post(private: str, **kwargs) -> dict[str, str]:  # type: ignore[no-untyped-def]
    options = {"now": NOW} | kwargs
    return sign_rfc9421("POST", INBOX, {"Content-Type": "application/activity+json"}, BODY,
                        KEY_ID, private, **options)


def _verify(headers: dict[str, str], public: str, *, url: str = INBOX, body: bytes = BODY,
            method: str = "POST", now: dt.datetime = NOW):  # type: ignore[no-untyped-def]
    return verify_rfc9421(method, url, headers, body, lambda key_id: public if key_id == KEY_ID else None,
                          now=now)


def _reason(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureError) as caught:
        call()
    return caught.value.reason


def test_rfc_b26_ed25519_vector_is_reproduced() -> None:
    # Given the RFC's test request and key
    private, public = _ed25519_pems(_b64url(RFC_ED25519_SEED))
    assert _ed25519_pems(_b64url(RFC_ED25519_SEED))[1] == public
    raw_public = serialization.load_pem_public_key(public.encode()).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert raw_public == _b64url(RFC_ED25519_PUBLIC)
    headers = {"Host": "example.com", "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
               "Content-Type": "application/json", "Content-Length": "18"}
    # When signed over B.2.6's components, without alg, at its created time
    signed = sign_rfc9421(
        "POST", "https://example.com/foo?param=Value&Pet=dog", headers, None, "test-key-ed25519",
        private, now=dt.datetime.fromtimestamp(1618884473, dt.timezone.utc), label="sig-b26",
        components=("date", "@method", "@path", "@authority", "content-type", "content-length"),
        include_alg=False)
    # Then the headers are the RFC's, byte for byte (Ed25519 is deterministic)
    assert signed["Signature-Input"] == RFC_B26_INPUT
    assert signed["Signature"] == RFC_B26_SIGNATURE
    # And this node's policy still refuses it: the query and the body digest are not covered
    assert _reason(lambda: verify_rfc9421(
        "POST", "https://example.com/foo?param=Value&Pet=dog", signed, b'{"hello": "world"}',
        lambda _k: public, now=dt.datetime.fromtimestamp(1618884473, dt.timezone.utc),
    )) == "missing_signed_header"


def test_rsa_post_round_trip(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = _signed_post(private)
    sig = select_signature(headers)
    assert sig.label == "sig1" and sig.alg == "rsa-v1_5-sha256" and sig.created == int(NOW.timestamp())
    assert sig.components == ("@method", "@target-uri", "date", "content-digest")
    assert headers["Content-Digest"].startswith("sha-256=:")
    result = _verify(headers, public)
    assert (result.scheme, result.key_id, result.algorithm) == ("rfc9421", KEY_ID, "rsa-v1_5-sha256")
    assert result.created == NOW


@pytest.mark.parametrize("algorithm", ["rsa-pss-sha512", None])
def test_rsa_variants_and_missing_alg(keys: tuple[str, str], algorithm: str | None) -> None:
    private, public = keys
    headers = _signed_post(private, algorithm=algorithm, include_alg=algorithm is not None)
    assert _verify(headers, public).algorithm == (algorithm or "rsa-v1_5-sha256")


def test_ed25519_round_trip() -> None:
    private, public = _ed25519_pems()
    headers = _signed_post(private)
    assert select_signature(headers).alg == "ed25519"
    assert _verify(headers, public).algorithm == "ed25519"


def test_split_target_components_are_accepted_only_with_the_query(keys: tuple[str, str]) -> None:
    private, public = keys
    url = "https://b.example/users/bob/outbox?page=true"
    good = sign_rfc9421("GET", url, {}, None, KEY_ID, private, now=NOW,
                        components=("@method", "@authority", "@path", "@query"))
    assert _verify(good, public, url=url, method="GET", body=b"").covered[-1] == "@query"
    bad = sign_rfc9421("GET", url, {}, None, KEY_ID, private, now=NOW,
                       components=("@method", "@authority", "@path"))
    assert _reason(lambda: _verify(bad, public, url=url, method="GET", body=b"")) == "missing_signed_header"


def test_changed_body_is_a_digest_mismatch(keys: tuple[str, str]) -> None:
    headers = _signed_post(keys[0])
    assert _reason(lambda: _verify(headers, keys[1], body=BODY + b" ")) == "digest_mismatch"
    without = {k: v for k, v in headers.items() if k != "Content-Digest"}
    assert _reason(lambda: _verify(without, keys[1])) == "digest_mismatch"


def test_changed_url_or_method_is_a_bad_signature(keys: tuple[str, str]) -> None:
    headers = _signed_post(keys[0])
    assert _reason(lambda: _verify(headers, keys[1], url="https://b.example/users/bob/inbox")) == "bad_signature"
    assert _reason(lambda: _verify(headers, keys[1], method="PUT")) == "bad_signature"


def test_wrong_or_unknown_key_is_a_bad_signature(keys: tuple[str, str], other_keys: tuple[str, str]) -> None:
    headers = _signed_post(keys[0])
    assert _reason(lambda: _verify(headers, other_keys[1])) == "bad_signature"
    ed_public = _ed25519_pems()[1]
    assert _reason(lambda: _verify(headers, ed_public)) == "bad_signature"  # alg names RSA
    renamed = headers | {"Signature-Input": headers["Signature-Input"].replace(KEY_ID, KEY_ID + "2")}
    assert _reason(lambda: _verify(renamed, keys[1])) == "bad_signature"  # no key resolves


@pytest.mark.parametrize("offset", [dt.timedelta(hours=-2), dt.timedelta(hours=2)])
def test_created_two_hours_off_is_stale(keys: tuple[str, str], offset: dt.timedelta) -> None:
    headers = _signed_post(keys[0], now=NOW + offset)
    assert _reason(lambda: _verify(headers, keys[1])) == "stale_date"


def test_expired_signature_is_stale(keys: tuple[str, str]) -> None:
    headers = _signed_post(keys[0], now=NOW - dt.timedelta(minutes=50), expires_in=60)
    assert _reason(lambda: _verify(headers, keys[1])) == "stale_date"
    _verify(headers, keys[1], now=NOW - dt.timedelta(minutes=49))


def test_uncovered_components_are_refused(keys: tuple[str, str]) -> None:
    private, public = keys
    no_method = _signed_post(private, components=("@target-uri", "date"))
    assert _reason(lambda: _verify(no_method, public)) == "missing_signed_header"
    no_target = _signed_post(private, components=("@method", "date"))
    assert _reason(lambda: _verify(no_target, public)) == "missing_signed_header"
    # a signed GET presented with a body: content-digest is not covered
    get = sign_rfc9421("GET", INBOX, {}, None, KEY_ID, private, now=NOW)
    assert _reason(lambda: _verify(get, public, method="GET", body=b"{}")) == "missing_signed_header"


def test_missing_created_and_unknown_alg(keys: tuple[str, str]) -> None:
    headers = _signed_post(keys[0])
    created = f";created={int(NOW.timestamp())}"
    no_created = headers | {"Signature-Input": headers["Signature-Input"].replace(created, "")}
    assert _reason(lambda: _verify(no_created, keys[1])) == "missing_signed_header"
    hmac = headers | {"Signature-Input": headers["Signature-Input"].replace("rsa-v1_5-sha256", "hmac-sha256")}
    assert _reason(lambda: _verify(hmac, keys[1])) == "unsupported_algorithm"


@pytest.mark.parametrize("signature_input, signature", [
    ("sig1=(((", "sig1=:AAAA:"),
    ('sig1=("@method");created=1;keyid="k"', "sig2=:AAAA:"),         # labels differ
    ('sig1=("@method");created=1', "sig1=:AAAA:"),                   # no keyid
    ('sig1=("@method");created=1;keyid="k";color="red"', "sig1=:AAAA:"),
    ('sig1=("@method");created="1";keyid="k"', "sig1=:AAAA:"),
    ("sig1=(\"@method\");created=1;keyid=\"k\"", "sig1=\"not bytes\""),
])
def test_malformed_signature_input(signature_input: str, signature: str) -> None:
    headers = {"Signature-Input": signature_input, "Signature": signature}
    assert _reason(lambda: select_signature(headers)) == "malformed_signature"


def test_verify_any_dispatches_on_signature_input(keys: tuple[str, str]) -> None:
    private, public = keys
    modern = _signed_post(private)
    cavage = sign_request("POST", INBOX, {}, BODY, KEY_ID, private, now=NOW)
    assert signature_key_id(modern) == signature_key_id(cavage) == KEY_ID
    assert verify_any("POST", INBOX, modern, BODY, public, now=NOW).scheme == "rfc9421"
    assert verify_any("POST", INBOX, cavage, BODY, public, now=NOW).scheme == "draft-cavage"
    assert _reason(lambda: verify_any("POST", INBOX, {}, BODY, public, now=NOW)) == "missing_signature"
    assert _reason(lambda: signature_key_id({})) == "missing_signature"
