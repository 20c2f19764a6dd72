"""draft-cavage HTTP Signatures: test vectors, round trips, every refusal reason."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding
from multidict import CIMultiDict

from federation.httpsig import (
    SignatureError,
    key_id_of,
    parse_signature_header,
    request_signer,
    sign_request,
    verify_request,
)
from federation.keys import generate_keypair

# The RSA test key of draft-cavage-http-signatures appendix C, as shipped with
# the httpsig package's own tests (httpsig/tests/rsa_private.pem).
VECTOR_PRIVATE = """-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
"""
VECTOR_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
VECTOR_URL = "https://example.com/foo?param=value&pet=dog"
VECTOR_PATH = "/foo?param=value&pet=dog"
VECTOR_DATE = "Thu, 05 Jan 2014 21:31:40 GMT"
VECTOR_NOW = dt.datetime(2014, 1, 5, 21, 31, 40, tzinfo=dt.timezone.utc)
VECTOR_BODY = b'{"hello": "world"}'
VECTOR_DIGEST = "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
DEFAULT_SIG = ("jKyvPcxB4JbmYY4mByyBY7cZfNl4OW9HpFQlG7N4YcJPteKTu4MWCLyk+gIr0wDgqtLWf9NLpMAMimdfsH7F"
               "SWGfbMFSrsVTHNTk0rK3usrfFnti1dxsM4jl0kYJCKTGI/UWkqiaxwNiKqGcdlEDrTcUhhsFsOIo8VhddmZTZ8w=")
BASIC_SIG = ("HUxc9BS3P/kPhSmJo+0pQ4IsCo007vkv6bUm4Qehrx+B1Eo4Mq5/6KylET72ZpMUS80XvjlOPjKzxfeTQj4D"
             "iKbAzwJAb4HX3qX6obQTa00/qPDXlMepD2JtTw33yNnm/0xV7fQuvILN/ys+378Ysi082+4xBQFwvhNvSoVsGv4=")
ALL_SIG = ("Ef7MlxLXoBovhil3AlyjtBwAL9g4TN3tibLj7uuNB3CROat/9KaeQ4hW2NiJ+pZ6HQEOx9vYZAyi+7cmIkmJ"
           "szJCut5kQLAwuX+Ms/mUFvpKlSo9StS2bMXDBNjOh4Auj774GFj4gwjS+3NhFeoqyr/MuN6HsEnkvn6zdgfE2i0=")
ALL_HEADERS = ["(request-target)", "host", "date", "content-type", "digest", "content-length"]

KEY_ID = "https://a.example/users/alice#main-key"
INBOX = "https://b.example/inbox"
NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
BODY = b'{"type":"Follow","actor":"https://a.example/users/alice"}'


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    return generate_keypair()


@pytest.fixture(scope="module")
def other_keys() -> tuple[str, str]:
    return generate_keypair()


def _vector_headers() -> dict[str, str]:
    return {"Host": "example.com", "Date": VECTOR_DATE, "Content-Type": "application/json",
            "Content-Length": "18"}


def _signed_post(private: str, *, body: bytes = BODY, now: dt.datetime = NOW,
                 url: str = INBOX, covered: list[str] | None = None) -> dict[str, str]:
    return sign_request("POST", url, {"Content-Type": "application/activity+json"}, body,
                        KEY_ID, private, covered=covered, now=now)


def _reason(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(SignatureError) as caught:
        call()
    return caught.value.reason


# --- the test vectors -----------------------------------------------------------

def test_default_vector_signs_date_only_and_verifier_refuses_it() -> None:
    # Given the appendix C key and the vector's Date
    headers = sign_request("GET", VECTOR_URL, {"Date": VECTOR_DATE}, None, "Test", VECTOR_PRIVATE,
                           covered=["date"])
    # Then the signature is the vector's, in a Signature header, not Authorization
    params = parse_signature_header(headers["Signature"])
    assert params.signature == DEFAULT_SIG
    assert params.algorithm == "rsa-sha256" and params.headers == ("date",)
    assert "Authorization" not in headers and "authorization" not in headers
    # And a signature over the date alone is not enough for this node
    assert _reason(lambda: verify_request("GET", VECTOR_PATH, headers, b"", VECTOR_PUBLIC,
                                          now=VECTOR_NOW)) == "missing_signed_header"


def test_basic_vector_includes_the_query_in_request_target() -> None:
    headers = sign_request("POST", VECTOR_URL, _vector_headers(), VECTOR_BODY, "Test",
                           VECTOR_PRIVATE, covered=["(request-target)", "host", "date"])
    assert parse_signature_header(headers["Signature"]).signature == BASIC_SIG
    # a POST whose digest is not signed is refused
    assert _reason(lambda: verify_request("POST", VECTOR_PATH, headers, VECTOR_BODY, VECTOR_PUBLIC,
                                          now=VECTOR_NOW)) == "missing_signed_header"


def test_all_headers_vector_signs_and_verifies() -> None:
    headers = sign_request("POST", VECTOR_URL, _vector_headers(), VECTOR_BODY, "Test",
                           VECTOR_PRIVATE, covered=ALL_HEADERS)
    assert headers["Digest"] == VECTOR_DIGEST
    assert parse_signature_header(headers["Signature"]).signature == ALL_SIG
    result = verify_request("POST", VECTOR_PATH, headers, VECTOR_BODY, VECTOR_PUBLIC, now=VECTOR_NOW)
    assert result.key_id == "Test" and result.covered == tuple(ALL_HEADERS)
    assert result.created == VECTOR_NOW


def test_all_headers_vector_verifies_from_a_hand_written_header() -> None:
    # Given the vector exactly as another server would send it, hs2019 and spaces included
    headers = _vector_headers() | {"Digest": VECTOR_DIGEST, "Signature": (
        'keyId="Test", algorithm="hs2019", headers="' + " ".join(ALL_HEADERS)
        + f'", signature="{ALL_SIG}"')}
    result = verify_request("POST", VECTOR_PATH, headers, VECTOR_BODY, VECTOR_PUBLIC, now=VECTOR_NOW)
    assert result.algorithm == "rsa-sha256"


# --- round trips ----------------------------------------------------------------

def test_post_round_trip_signs_what_mastodon_expects(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = _signed_post(private)
    params = parse_signature_header(headers["Signature"])
    assert params.headers == ("(request-target)", "host", "date", "digest", "content-type")
    assert headers["Host"] == "b.example" and headers["Date"] == "Sun, 01 Mar 2026 12:00:00 GMT"
    assert headers["Digest"].startswith("SHA-256=")
    result = verify_request("POST", "/inbox", headers, BODY, public, now=NOW)
    assert (result.scheme, result.key_id, result.algorithm) == ("draft-cavage", KEY_ID, "rsa-sha256")


def test_get_round_trip_covers_accept_and_query(keys: tuple[str, str]) -> None:
    private, public = keys
    sign = request_signer(KEY_ID, private)
    headers = sign("GET", "https://b.example:8443/users/bob/outbox?page=true",
                   {"Accept": "application/activity+json"})
    assert headers["Host"] == "b.example:8443"
    assert parse_signature_header(headers["Signature"]).headers == (
        "(request-target)", "host", "date", "accept")
    now = dt.datetime.now(dt.timezone.utc)
    verify_request("GET", "/users/bob/outbox?page=true", headers, b"", public, now=now)
    # the query string is part of (request-target): another query, or none, fails
    for path in ("/users/bob/outbox", "/users/bob/outbox?page=false"):
        assert _reason(lambda: verify_request("GET", path, headers, b"", public, now=now)) == "bad_signature"


def test_headers_are_read_case_insensitively_from_any_mapping(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = _signed_post(private)
    lower = {k.lower(): v for k, v in headers.items()}
    verify_request("POST", "/inbox", lower, BODY, public, now=NOW)
    verify_request("POST", "/inbox", CIMultiDict(headers), BODY, public, now=NOW)
    assert key_id_of(CIMultiDict(headers)) == KEY_ID


def test_percent_in_key_id_survives_httpsig_templating(keys: tuple[str, str]) -> None:
    private, public = keys
    key_id = "https://a.example/users/%E4%B8%AD#main-key"
    headers = sign_request("POST", INBOX, {}, BODY, key_id, private, now=NOW)
    assert key_id_of(headers) == key_id
    assert verify_request("POST", "/inbox", headers, BODY, public, now=NOW).key_id == key_id


def test_hs2019_and_absent_algorithm_are_read_as_rsa_sha256(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = _signed_post(private)
    for replacement in ('algorithm="hs2019"', ""):
        signature = headers["Signature"].replace('algorithm="rsa-sha256"', replacement)
        changed = headers | {"Signature": signature.replace(",,", ",")}
        assert verify_request("POST", "/inbox", changed, BODY, public, now=NOW).algorithm == "rsa-sha256"


def test_hs2019_created_pseudo_header_replaces_date(keys: tuple[str, str]) -> None:
    # Given a signature over (created) instead of Date, as newer signers send
    private, public = keys
    created = int(NOW.timestamp())
    digest = _signed_post(private)["Digest"]
    text = f"(request-target): post /inbox\nhost: b.example\n(created): {created}\ndigest: {digest}"
    key = serialization.load_pem_private_key(private.encode(), password=None)
    raw = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    headers = {"Host": "b.example", "Digest": digest, "Signature": (
        f'keyId="{KEY_ID}",algorithm="hs2019",created={created},'
        f'headers="(request-target) host (created) digest",signature="{base64.b64encode(raw).decode()}"')}
    # Then it verifies, and the created time is the signature time
    assert verify_request("POST", "/inbox", headers, BODY, public, now=NOW).created == NOW
    # And it is still subject to the time window
    late = NOW + dt.timedelta(hours=2)
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY, public, now=late)) == "stale_date"
    # And to its expires parameter, give or take five minutes
    expiring = headers | {"Signature": headers["Signature"].replace(
        f"created={created},", f"created={created},expires={created + 60},")}
    verify_request("POST", "/inbox", expiring, BODY, public, now=NOW + dt.timedelta(minutes=5))
    assert _reason(lambda: verify_request("POST", "/inbox", expiring, BODY, public,
                                          now=NOW + dt.timedelta(minutes=7))) == "stale_date"


# --- every refusal --------------------------------------------------------------

def test_changed_body_is_a_digest_mismatch(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = _signed_post(private)
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY + b" ", public,
                                          now=NOW)) == "digest_mismatch"


def test_digest_must_be_sha256_and_present(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = _signed_post(private)
    sha512 = headers | {"Digest": "SHA-512=" + base64.b64encode(b"x" * 64).decode()}
    assert _reason(lambda: verify_request("POST", "/inbox", sha512, BODY, public,
                                          now=NOW)) == "digest_mismatch"
    without = {k: v for k, v in headers.items() if k != "Digest"}
    assert _reason(lambda: verify_request("POST", "/inbox", without, BODY, public,
                                          now=NOW)) == "missing_signed_header"


def test_changed_path_is_a_bad_signature(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = _signed_post(private)
    assert _reason(lambda: verify_request("POST", "/users/bob/inbox", headers, BODY, public,
                                          now=NOW)) == "bad_signature"


def test_changed_signed_header_is_a_bad_signature(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = _signed_post(private) | {"Content-Type": "text/plain"}
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY, public,
                                          now=NOW)) == "bad_signature"


@pytest.mark.parametrize("offset", [dt.timedelta(hours=-2), dt.timedelta(hours=2)])
def test_date_two_hours_off_is_stale(keys: tuple[str, str], offset: dt.timedelta) -> None:
    private, public = keys
    headers = _signed_post(private, now=NOW + offset)
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY, public,
                                          now=NOW)) == "stale_date"
    # within the window it passes
    verify_request("POST", "/inbox", headers, BODY, public, now=NOW + offset * 0.6)


def test_unparseable_date_is_stale(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = _signed_post(private) | {"Date": "yesterday"}
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY, public,
                                          now=NOW)) == "stale_date"


@pytest.mark.parametrize("covered", [
    ["(request-target)", "host", "date"],            # digest not covered on a POST
    ["host", "date", "digest"],                      # (request-target) not covered
    ["(request-target)", "date", "digest"],          # host not covered
    ["(request-target)", "host", "digest"],          # date not covered
])
def test_header_not_covered_is_refused(keys: tuple[str, str], covered: list[str]) -> None:
    private, public = keys
    headers = _signed_post(private, covered=covered)
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY, public,
                                          now=NOW)) == "missing_signed_header"


def test_wrong_key_is_a_bad_signature(keys: tuple[str, str], other_keys: tuple[str, str]) -> None:
    headers = _signed_post(keys[0])
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY, other_keys[1],
                                          now=NOW)) == "bad_signature"


def test_missing_signature(keys: tuple[str, str]) -> None:
    headers = {k: v for k, v in _signed_post(keys[0]).items() if k != "Signature"}
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY, keys[1],
                                          now=NOW)) == "missing_signature"
    assert _reason(lambda: key_id_of(headers)) == "missing_signature"


def test_unsupported_algorithm(keys: tuple[str, str]) -> None:
    headers = _signed_post(keys[0])
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", "hmac-sha256")
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY, keys[1],
                                          now=NOW)) == "unsupported_algorithm"


@pytest.mark.parametrize("value", [
    "garbage",
    'keyId="k",signature="c2ln"garbage',
    'keyId="k",,signature="c2ln"',
    'keyId="k",signature="c2ln",',
    'signature="c2ln",headers="date"',                      # no keyId
    'keyId="k",headers="date"',                             # no signature
    'keyId="k",keyId="j",signature="c2ln"',                 # duplicate
    'keyId="k",signature="not base64!"',
    'keyId="k",signature="c2ln",headers="date date"',
    'keyId="k",signature="c2ln",created="soon"',
])
def test_malformed_signature_headers(value: str) -> None:
    assert _reason(lambda: parse_signature_header(value)) == "malformed_signature"


def test_parser_reads_quoted_values_with_commas_and_escapes() -> None:
    params = parse_signature_header(
        'keyId="https://a.example/k,1\\"x",  algorithm=rsa-sha256 ,headers="(request-target) Host DATE",'
        'signature="c2ln"')
    assert params.key_id == 'https://a.example/k,1"x'
    assert params.algorithm == "rsa-sha256"
    assert params.headers == ("(request-target)", "host", "date")


def test_signed_header_missing_from_request_is_refused(keys: tuple[str, str]) -> None:
    private, public = keys
    headers = sign_request("GET", INBOX, {"Accept": "application/activity+json"}, None, KEY_ID,
                           private, now=NOW)
    del headers["Accept"]
    assert _reason(lambda: verify_request("GET", "/inbox", headers, b"", public,
                                          now=NOW)) == "missing_signed_header"


def test_non_rsa_key_is_unsupported(keys: tuple[str, str]) -> None:
    ed_public = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    headers = _signed_post(keys[0])
    assert _reason(lambda: verify_request("POST", "/inbox", headers, BODY, ed_public,
                                          now=NOW)) == "unsupported_algorithm"
