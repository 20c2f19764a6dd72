"""draft-cavage HTTP Signatures, as Mastodon sends and checks them.

Signing and the RSA step of verification go through the `httpsig` package,
whose defaults do not suit ActivityPub and are overridden on every call:
`sign_header="signature"` (its default writes `Authorization`), the
algorithm named explicitly (its default is HMAC), the `(request-target)`
built from the raw path with its query string and a lower-case method.

Everything around the RSA step is checked here, in Mastodon's order:
parameters, algorithm (`hs2019` is read as rsa-sha256), coverage of
`(request-target)`, `host`, `date` and (for bodies) `digest`, the time
window, the body digest, and only then the signature. Verification returns
a frozen `VerifiedSignature` or raises `SignatureError` with one machine
reason; the caller maps reasons to HTTP statuses in one place.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import email.utils
import functools
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from Crypto.PublicKey import RSA as PyCryptoRSA
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from httpsig.sign import HeaderSigner
from httpsig.utils import generate_message

from federation.digest import check_digest_header, digest_header

logger = logging.getLogger(__name__)

SignatureReason = Literal[
    "missing_signature", "malformed_signature", "unsupported_algorithm",
    "missing_signed_header", "digest_mismatch", "stale_date", "bad_signature",
]
RequestSigner = Callable[[str, str, Mapping[str, str]], dict[str, str]]

ACTIVITY_JSON = "application/activity+json"
SUPPORTED_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_SIGNATURE_HEADER = 8192
DEFAULT_MAX_SKEW = 3600  # seconds either side, Mastodon's CLOCK_SKEW_MARGIN
EXPIRES_GRACE = 300  # seconds an explicit `expires` may be past, for clock skew

_PARAM = re.compile(r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*'
                    r'(?:"((?:[^"\\]|\\.)*)"|([^",\s]+))[ \t]*')
_HEADER_NAME = re.compile(r"^(?:\([a-z-]+\)|[!#$%&'*+.^_`|~0-9a-z-]+)$")


class SignatureError(Exception):
    """A request signature that does not verify; `reason` is machine-readable."""

    def __init__(self, reason: SignatureReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: SignatureReason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SignatureParams:
    """A parsed draft-cavage `Signature` header."""

    key_id: str
    algorithm: str  # lower-case as sent; "hs2019" when absent
    headers: tuple[str, ...]
    signature: str  # base64, validated
    created: int | None = None
    expires: int | None = None


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """A signature that verified: who signed, how, over what, and when."""

    scheme: Literal["draft-cavage", "rfc9421"]
    key_id: str
    algorithm: str
    covered: tuple[str, ...]
    created: dt.datetime


# --- signing -----------------------------------------------------------------

def sign_request(method: str, url: str, headers: Mapping[str, str], body: bytes | None,
                 key_id: str, private_key_pem: str, *, covered: Sequence[str] | None = None,
                 now: dt.datetime | None = None) -> dict[str, str]:
    """`headers` plus Host, Date, Digest (bodies) and a `Signature` header.

    POST signs `(request-target) host date digest content-type`, GET signs
    `(request-target) host date` and `accept` when present; `covered`
    overrides the list. Existing Host and Date headers are kept.
    """
    if '"' in key_id:
        raise ValueError("keyId must not contain a double quote")
    host, path = request_target(url)
    out = dict(headers)
    _set_default(out, "Host", host)
    _set_default(out, "Date", format_http_date(now or dt.datetime.now(dt.timezone.utc)))
    if body is None and method.upper() in BODY_METHODS:
        body = b""
    if body is not None:
        _replace(out, "Digest", digest_header(body))
        _set_default(out, "Content-Type", ACTIVITY_JSON)
    names = [n.lower() for n in covered] if covered else _default_covered(out, body)
    signer = _header_signer(key_id, private_key_pem, tuple(names))
    signed = signer.sign(out, host=header_value(out, "host"), method=method, path=path)
    _replace(out, "Signature", signed["signature"])
    return out


@functools.lru_cache(maxsize=512)
def _header_signer(key_id: str, private_key_pem: str, names: tuple[str, ...]) -> HeaderSigner:
    """A signer per (key, covered headers), kept: importing the PEM costs
    ~100 ms (the key is validated) and signing with it ~3 ms; signers hold
    no per-request state."""
    # httpsig %-formats its template with the signature: escape % in keyId
    return HeaderSigner(key_id=key_id.replace("%", "%%"), secret=private_key_pem,
                        algorithm="rsa-sha256", headers=list(names), sign_header="signature")


def request_signer(key_id: str, private_key_pem: str) -> RequestSigner:
    """A callable signing body-less requests (GETs) with one actor's key."""
    def sign(method: str, url: str, headers: Mapping[str, str]) -> dict[str, str]:
        return sign_request(method, url, headers, None, key_id, private_key_pem)
    return sign


def request_target(url: str) -> tuple[str, str]:
    """(Host header value, raw path with query) of an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and parts.port != {"http": 80, "https": 443}[parts.scheme]:
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    return host, f"{path}?{parts.query}" if parts.query else path


def format_http_date(when: dt.datetime) -> str:
    """RFC 7231 IMF-fixdate, e.g. `Sun, 05 Jan 2014 21:31:40 GMT`."""
    return email.utils.format_datetime(when.astimezone(dt.timezone.utc), usegmt=True)


def _default_covered(headers: Mapping[str, str], body: bytes | None) -> list[str]:
    if body is not None:
        return ["(request-target)", "host", "date", "digest", "content-type"]
    names = ["(request-target)", "host", "date"]
    return names + ["accept"] if header_value(headers, "accept") is not None else names


# --- parsing -----------------------------------------------------------------

def parse_signature_header(value: str | None) -> SignatureParams:
    """Parse a `Signature` header; raises SignatureError (missing or malformed)."""
    if value is None or len(value) > MAX_SIGNATURE_HEADER:
        return _parse_signature_header(value)
    return _parsed_signature_header(value)


@functools.lru_cache(maxsize=256)
def _parsed_signature_header(value: str) -> SignatureParams:
    """Kept a moment: a request's header is parsed for its keyId, then again
    to verify (the result is frozen; errors are not cached)."""
    return _parse_signature_header(value)


def _parse_signature_header(value: str | None) -> SignatureParams:
    if value is None or not value.strip():
        raise SignatureError("missing_signature", "no Signature header")
    if len(value) > MAX_SIGNATURE_HEADER:
        raise SignatureError("malformed_signature", "Signature header too long")
    raw = _tokenize(value)
    key_id, signature = raw.get("keyId", ""), raw.get("signature", "")
    if not key_id or not signature:
        raise SignatureError("malformed_signature", "keyId and signature are required")
    try:
        base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("malformed_signature", "signature is not base64") from None
    algorithm = raw.get("algorithm", "hs2019").lower()
    default_headers = "(created)" if algorithm == "hs2019" else "date"
    names = tuple(raw.get("headers", default_headers).lower().split())
    if not names or len(set(names)) != len(names) or not all(map(_HEADER_NAME.match, names)):
        raise SignatureError("malformed_signature", "bad headers parameter")
    return SignatureParams(key_id=key_id, algorithm=algorithm, headers=names, signature=signature,
                           created=_int_param(raw, "created"), expires=_int_param(raw, "expires"))


def key_id_of(headers: Mapping[str, str]) -> str:
    """The keyId of a request's `Signature` header, to look the key up first."""
    return parse_signature_header(header_value(headers, "signature")).key_id


def _tokenize(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos, end = 0, len(value)
    while pos < end:
        match = _PARAM.match(value, pos)
        if match is None:
            raise SignatureError("malformed_signature", f"cannot parse at character {pos}")
        name = match.group(1)
        if name in params:
            raise SignatureError("malformed_signature", f"duplicate parameter {name}")
        quoted = match.group(2)
        params[name] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else match.group(3)
        pos = match.end()
        if pos < end:
            if value[pos] != "," or pos + 1 == end:
                raise SignatureError("malformed_signature", f"expected ',' at character {pos}")
            pos += 1
    return params


def _int_param(raw: Mapping[str, str], name: str) -> int | None:
    text = raw.get(name)
    if text is None:
        return None
    if not text.isdigit() or len(text) > 11:
        raise SignatureError("malformed_signature", f"{name} is not a timestamp")
    return int(text)


# --- verification ------------------------------------------------------------

def verify_request(method: str, raw_path_with_query: str, headers: Mapping[str, str],
                   body: bytes, public_key_pem: str, *, now: dt.datetime | None = None,
                   max_skew: int = DEFAULT_MAX_SKEW) -> VerifiedSignature:
    """Verify a draft-cavage signed request against the signer's public key.

    `raw_path_with_query` is the request target exactly as received (for
    aiohttp, `request.raw_path`); `headers` are looked up case-insensitively.
    """
    params = parse_signature_header(header_value(headers, "signature"))
    if params.algorithm not in SUPPORTED_ALGORITHMS:
        raise SignatureError("unsupported_algorithm", f"{params.algorithm} (rsa-sha256 or hs2019)")
    _check_coverage(params, method, headers, body)
    created = _check_freshness(params, headers, now or dt.datetime.now(dt.timezone.utc), max_skew)
    if "digest" in params.headers or body:
        digest = header_value(headers, "digest")
        if digest is None or not check_digest_header(digest, body):
            raise SignatureError("digest_mismatch", "Digest header missing, not SHA-256 or wrong")
    _check_rsa(params, method, raw_path_with_query, headers, public_key_pem)
    return VerifiedSignature(scheme="draft-cavage", key_id=params.key_id, algorithm="rsa-sha256",
                             covered=params.headers, created=created)


def _check_coverage(params: SignatureParams, method: str, headers: Mapping[str, str],
                    body: bytes) -> None:
    covered = set(params.headers)
    required = ["(request-target)", "host"]
    if "(created)" not in covered:
        required.append("date")
    if body or method.upper() in BODY_METHODS:
        required.append("digest")
    for name in required:
        if name not in covered:
            raise SignatureError("missing_signed_header", f"{name} must be signed")
    for name in params.headers:
        if name in ("(created)", "(expires)"):
            if params.algorithm != "hs2019" or getattr(params, name[1:-1]) is None:
                raise SignatureError("malformed_signature", f"{name} needs hs2019 and its parameter")
        elif name == "signature" or (name.startswith("(") and name != "(request-target)"):
            raise SignatureError("malformed_signature", f"cannot sign {name}")
        elif not name.startswith("(") and header_value(headers, name) is None:
            raise SignatureError("missing_signed_header", f"signed header {name} is absent")


def _check_freshness(params: SignatureParams, headers: Mapping[str, str], now: dt.datetime,
                     max_skew: int) -> dt.datetime:
    skew = dt.timedelta(seconds=max_skew)
    stamps: list[dt.datetime] = []
    if params.created is not None and "(created)" in params.headers:
        stamps.append(dt.datetime.fromtimestamp(params.created, dt.timezone.utc))
    if "date" in params.headers:
        stamps.append(parse_http_date(header_value(headers, "date")))
    for stamp in stamps:
        if abs(now - stamp) > skew:
            raise SignatureError("stale_date", f"signed at {stamp.isoformat()}, now {now.isoformat()}")
    check_expires(params.expires, now, max_skew)
    return stamps[0]


def check_expires(expires: int | None, now: dt.datetime, max_skew: int) -> None:
    """Refuse a signature past its explicit `expires` (give or take a little skew)."""
    grace = dt.timedelta(seconds=min(max_skew, EXPIRES_GRACE))
    if expires is not None and now - dt.datetime.fromtimestamp(expires, dt.timezone.utc) > grace:
        raise SignatureError("stale_date", "signature expired")


def parse_http_date(value: str | None) -> dt.datetime:
    """An HTTP Date header as an aware datetime; SignatureError(stale_date) if unusable."""
    try:
        when = email.utils.parsedate_to_datetime(value or "")
    except (TypeError, ValueError, IndexError):
        raise SignatureError("stale_date", f"unparseable Date {value!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def _check_rsa(params: SignatureParams, method: str, raw_path: str,
               headers: Mapping[str, str], public_key_pem: str) -> None:
    # The signing string is httpsig's (`generate_message`), over a normalised
    # copy: only the covered values, pseudo-headers as values. The RSA step
    # (hs2019 means rsa-sha256 here) uses the cached key object of
    # `rsa_public_key`: importing the PEM on every request cost ~1 ms and
    # pycryptodome's verify another ~1 ms; cryptography's takes ~0.05 ms.
    key = rsa_public_key(public_key_pem)
    if key is None:
        raise SignatureError("unsupported_algorithm", "key is not an RSA public key")
    copy = {n: header_value(headers, n) or "" for n in params.headers if not n.startswith("(")}
    if params.created is not None:
        copy["(created)"] = str(params.created)
    if params.expires is not None:
        copy["(expires)"] = str(params.expires)
    try:
        message = generate_message(list(params.headers), copy, None, method, raw_path or "/")
    except (ValueError, UnicodeError) as exc:
        raise SignatureError("bad_signature", f"cannot build signing string: {exc}") from None
    try:
        key.verify(base64.b64decode(params.signature), message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise SignatureError("bad_signature", f"signature does not verify with {params.key_id}") from None


@functools.lru_cache(maxsize=1024)
def rsa_public_key(public_key_pem: str) -> rsa.RSAPublicKey | None:
    """The parsed RSA public key of a PEM (None: not one), kept.

    Keyed by the PEM text itself, so a key that changes (an actor Update, a
    refetch after a failed signature) is a new entry and a stale object can
    never be used for it; old entries fall out of the bounded LRU. Accepts
    what httpsig's pycryptodome import accepted (SubjectPublicKeyInfo and
    PKCS#1 PEM directly, anything else RSA through pycryptodome).
    """
    try:
        key = load_pem_public_key(public_key_pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm):
        key = None
        try:
            imported = PyCryptoRSA.import_key(public_key_pem.encode("ascii"))
        except (ValueError, TypeError, IndexError, UnicodeEncodeError):
            return None
        return rsa.RSAPublicNumbers(int(imported.e), int(imported.n)).public_key()
    return key if isinstance(key, rsa.RSAPublicKey) else None


# --- headers -----------------------------------------------------------------

def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, case-insensitively; repeated fields joined with ', '."""
    getall = getattr(headers, "getall", None)
    if callable(getall):
        values = [str(v) for v in getall(name, [])]
    else:
        values = [v for k, v in headers.items() if k.lower() == name.lower()]
    return ", ".join(v.strip() for v in values) if values else None


def _set_default(headers: dict[str, str], name: str, value: str) -> None:
    if header_value(headers, name) is None:
        headers[name] = value


def _replace(headers: dict[str, str], name: str, value: str) -> None:
    for key in [k for k in headers if k.lower() == name.lower()]:
        del headers[key]
    headers[name] = value
