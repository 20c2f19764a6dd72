"""RFC 9421 HTTP Message Signatures on incoming requests, and the front door.

Mastodon 4.5 and Fedify send `Signature-Input` + `Signature`. The signature
base (RFC 9421 section 2.5) and the cryptography come from the
`http-message-signatures` package; this module wraps it with the policy
Mastodon applies and the same `SignatureError` reasons as draft-cavage:

- one signature is verified: the first label present in both headers;
- `keyid` and an integer `created` are required, `created` within
  +-max_skew of now and `expires` (if any) not past, give or take 5 minutes;
- the signature covers `@method` and either `@target-uri` or `@authority`
  with `@path` (plus `@query` when the URL has one), and `content-digest`
  for a body, whose SHA-256 member must match the body;
- the algorithm is `alg` if sent, else follows the key: RSA keys use
  rsa-v1_5-sha256 (rsa-pss-sha512 if named), Ed25519 keys ed25519.

`verify_any` picks this scheme when `Signature-Input` is present and
draft-cavage otherwise.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureAlgorithm,
    HTTPSignatureKeyResolver,
)
from http_message_signatures.algorithms import ED25519, RSA_PSS_SHA512, RSA_V1_5_SHA256

from federation.digest import check_content_digest
from federation.httpsig import (
    BODY_METHODS,
    DEFAULT_MAX_SKEW,
    SignatureError,
    VerifiedSignature,
    check_expires,
    format_http_date,
    header_value,
    key_id_of,
    request_target,
    verify_request,
)

logger = logging.getLogger(__name__)

KeyResolver = Callable[[str], str | None]  # keyid -> public key PEM, None if unknown

ALGORITHMS: dict[str, type[HTTPSignatureAlgorithm]] = {
    "rsa-v1_5-sha256": RSA_V1_5_SHA256,
    "rsa-pss-sha512": RSA_PSS_SHA512,
    "ed25519": ED25519,
}
DEFAULT_COMPONENTS = ("@method", "@target-uri", "date")
_METADATA = frozenset({"alg", "created", "expires", "keyid", "nonce", "tag"})


@dataclass(frozen=True, slots=True)
class MessageSignature:
    """The selected member of `Signature-Input` and its `Signature`."""

    label: str
    components: tuple[str, ...]  # bare names; a parameterised one as name;param
    key_id: str
    alg: str | None
    created: int
    expires: int | None
    input_field: str  # `label=(...);params`, this member only
    signature_field: str  # `label=:base64:`


# --- parsing -----------------------------------------------------------------

def select_signature(headers: Mapping[str, str]) -> MessageSignature:
    """Parse the two headers and pick the first label present in both."""
    inputs = _parse_dictionary(headers, "signature-input")
    signatures = _parse_dictionary(headers, "signature")
    for label, member in inputs.items():
        value, params = member
        signature = signatures.get(label)
        if isinstance(value, list) and signature is not None and isinstance(signature[0], bytes):
            return _message_signature(label, value, params, signature)
    raise SignatureError("malformed_signature", "no label with both Signature-Input and Signature")


def _parse_dictionary(headers: Mapping[str, str], name: str) -> dict[str, Any]:
    value = header_value(headers, name)
    if value is None:
        raise SignatureError("missing_signature", f"no {name} header")
    try:
        parsed = http_sf.parse(value.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeEncodeError):
        raise SignatureError("malformed_signature", f"{name} is not a structured dictionary") from None
    if not isinstance(parsed, dict) or not parsed:
        raise SignatureError("malformed_signature", f"{name} is empty")
    return parsed


def _message_signature(label: str, items: list[Any], params: dict[str, Any],
                       signature: Any) -> MessageSignature:
    unknown = set(params) - _METADATA
    if unknown:
        raise SignatureError("malformed_signature", f"unknown parameters {sorted(unknown)}")
    key_id, alg = params.get("keyid"), params.get("alg")
    created, expires = params.get("created"), params.get("expires")
    if not isinstance(key_id, str) or not key_id or not (alg is None or isinstance(alg, str)):
        raise SignatureError("malformed_signature", "keyid (and alg) must be strings")
    if created is None:
        raise SignatureError("missing_signed_header", "the created parameter is required")
    if type(created) is not int or not (expires is None or type(expires) is int):
        raise SignatureError("malformed_signature", "created and expires must be integers")
    components = tuple(_component_name(item) for item in items)
    return MessageSignature(
        label=label, components=components, key_id=key_id, alg=alg, created=created,
        expires=expires, input_field=http_sf.ser({label: (items, params)}),
        signature_field=http_sf.ser({label: signature}))


def _component_name(item: Any) -> str:
    value, params = item
    if not isinstance(value, str):
        raise SignatureError("malformed_signature", "component names must be strings")
    return value if not params else value + http_sf.ser((value, params))[len(value) + 2:]


# --- verification ------------------------------------------------------------

def verify_rfc9421(method: str, url: str, headers: Mapping[str, str], body: bytes,
                   resolve_key: KeyResolver, *, now: dt.datetime | None = None,
                   max_skew: int = DEFAULT_MAX_SKEW) -> VerifiedSignature:
    """Verify an RFC 9421 signed request; `url` is the absolute URL as received."""
    sig = select_signature(headers)
    _check_coverage(sig, method, url, body)
    created = _check_window(sig, now or dt.datetime.now(dt.timezone.utc), max_skew)
    if "content-digest" in sig.components or body:
        digest = header_value(headers, "content-digest")
        if digest is None or not check_content_digest(digest, body):
            raise SignatureError("digest_mismatch", "Content-Digest missing, not SHA-256 or wrong")
    pem = resolve_key(sig.key_id)
    if pem is None:
        raise SignatureError("bad_signature", f"no key for {sig.key_id}")
    key = _load_public_key(pem)
    algorithm = _algorithm_for(sig.alg, key)
    _verify_base(method, url, headers, sig, algorithm, key)
    return VerifiedSignature(scheme="rfc9421", key_id=sig.key_id, algorithm=algorithm.algorithm_id,
                             covered=sig.components, created=created)


def _check_coverage(sig: MessageSignature, method: str, url: str, body: bytes) -> None:
    covered = set(sig.components)
    has_query = "?" in url.split("#", 1)[0]
    split_target = ("@authority" in covered and "@path" in covered
                    and ("@query" in covered or not has_query))
    if "@method" not in covered:
        raise SignatureError("missing_signed_header", "@method must be signed")
    if "@target-uri" not in covered and not split_target:
        raise SignatureError("missing_signed_header", "@target-uri (or @authority @path @query) must be signed")
    if (body or method.upper() in BODY_METHODS) and "content-digest" not in covered:
        raise SignatureError("missing_signed_header", "content-digest must be signed")


def _check_window(sig: MessageSignature, now: dt.datetime, max_skew: int) -> dt.datetime:
    skew = dt.timedelta(seconds=max_skew)
    created = _timestamp(sig.created)
    if abs(now - created) > skew:
        raise SignatureError("stale_date", f"created {created.isoformat()}, now {now.isoformat()}")
    if sig.expires is not None:
        _timestamp(sig.expires)
        check_expires(sig.expires, now, max_skew)
    return created


def _timestamp(seconds: int) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise SignatureError("stale_date", f"timestamp {seconds} out of range") from None


def _load_public_key(pem: str) -> Any:
    key = _parsed_public_key(pem)
    if key is None:
        raise SignatureError("bad_signature", "unusable public key")
    return key


@functools.lru_cache(maxsize=1024)
def _parsed_public_key(pem: str) -> Any:
    """The key object of a PEM (None: unusable), kept: keyed by the PEM text,
    so a changed key is a new entry and never meets a stale object."""
    try:
        return load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError):
        return None


def _algorithm_for(alg: str | None, key: Any) -> type[HTTPSignatureAlgorithm]:
    if alg is None:
        if isinstance(key, rsa.RSAPublicKey):
            return RSA_V1_5_SHA256
        if isinstance(key, ed25519.Ed25519PublicKey):
            return ED25519
        raise SignatureError("unsupported_algorithm", f"key type {type(key).__name__}")
    algorithm = ALGORITHMS.get(alg)
    if algorithm is None:
        raise SignatureError("unsupported_algorithm", f"{alg} (rsa-v1_5-sha256, rsa-pss-sha512, ed25519)")
    expected = ed25519.Ed25519PublicKey if algorithm is ED25519 else rsa.RSAPublicKey
    if not isinstance(key, expected):
        raise SignatureError("bad_signature", f"alg {alg} does not match the key type")
    return algorithm


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, key_id: str, public: Any = None, private: Any = None) -> None:
        self._key_id, self._public, self._private = key_id, public, private

    def resolve_public_key(self, key_id: str) -> Any:
        return self._public if key_id == self._key_id else None

    def resolve_private_key(self, key_id: str) -> Any:
        if key_id != self._key_id or self._private is None:
            raise KeyError(key_id)
        return self._private


class _Verifier(HTTPMessageVerifier):
    """The package's verifier with its wall-clock checks left to `_check_window`."""

    require_created = False

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        return None


class _FieldLines:
    """Header field lines in order, the view the package reads and writes."""

    def __init__(self, lines: Iterable[tuple[str, str]]) -> None:
        self._lines = list(lines)

    def items(self) -> list[tuple[str, str]]:
        return list(self._lines)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self._lines))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(n.lower() == name.lower() for n, _ in self._lines)

    def __setitem__(self, name: str, value: str) -> None:
        self.__delitem__(name)
        self._lines.append((name, value))

    def __delitem__(self, name: str) -> None:
        self._lines = [(n, v) for n, v in self._lines if n.lower() != name.lower()]

    def as_dict(self) -> dict[str, str]:
        return {name: header_value(self, name) or "" for name in self}  # type: ignore[arg-type]


@dataclass(slots=True)
class _Message:
    method: str
    url: str
    headers: _FieldLines


def _verify_base(method: str, url: str, headers: Mapping[str, str], sig: MessageSignature,
                 algorithm: type[HTTPSignatureAlgorithm], key: Any) -> None:
    lines = [(n, v) for n, v in _field_lines(headers) if n.lower() not in ("signature", "signature-input")]
    lines += [("Signature-Input", sig.input_field), ("Signature", sig.signature_field)]
    message = _Message(method.upper(), url, _FieldLines(lines))
    verifier = _Verifier(signature_algorithm=algorithm,
                         key_resolver=_OneKey(sig.key_id, public=key))
    try:
        verifier.verify(message, max_age=None)
    except HTTPMessageSignaturesException as exc:
        raise SignatureError("bad_signature", str(exc) or "signature does not verify") from None


def _field_lines(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    # a multidict's items() keeps repeated fields; a dict has one line each
    return [(str(n), str(v)) for n, v in headers.items()]


# --- signing (tests, and later maybe delivery) --------------------------------

def sign_rfc9421(method: str, url: str, headers: Mapping[str, str], body: bytes | None,
                 key_id: str, private_key_pem: str, *, now: dt.datetime | None = None,
                 components: Sequence[str] = DEFAULT_COMPONENTS, label: str = "sig1",
                 algorithm: str | None = None, expires_in: int | None = None,
                 include_alg: bool = True) -> dict[str, str]:
    """`headers` plus Date, Content-Digest (when `body` is given), Signature-Input, Signature."""
    key = load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    alg = algorithm or ("ed25519" if isinstance(key, ed25519.Ed25519PrivateKey) else "rsa-v1_5-sha256")
    when = now or dt.datetime.now(dt.timezone.utc)
    lines = _FieldLines((n, v) for n, v in headers.items() if n.lower() != "content-digest")
    if "date" not in lines:
        lines["Date"] = format_http_date(when)
    signer = HTTPMessageSigner(signature_algorithm=ALGORITHMS[alg], key_resolver=_OneKey(key_id, private=key))
    expires = when + dt.timedelta(seconds=expires_in) if expires_in is not None else None
    signer.sign(_Message(method.upper(), url, lines), key_id=key_id, created=when, expires=expires,
                label=label, covered_component_ids=tuple(components), body=body,
                include_alg=include_alg)
    return lines.as_dict()


# --- the front door ----------------------------------------------------------

def signature_key_id(headers: Mapping[str, str]) -> str:
    """The key id of whichever signature `verify_any` will check."""
    if header_value(headers, "signature-input") is not None:
        return select_signature(headers).key_id
    return key_id_of(headers)


def verify_any(method: str, url: str, headers: Mapping[str, str], body: bytes,
               public_key_pem: str, *, now: dt.datetime | None = None,
               max_skew: int = DEFAULT_MAX_SKEW) -> VerifiedSignature:
    """Verify an incoming request signed either way.

    `url` is the absolute URL as received (node base URL + raw path and
    query); look the key up first with `signature_key_id(headers)`.
    """
    if header_value(headers, "signature-input") is not None:
        return verify_rfc9421(method, url, headers, body, lambda _key_id: public_key_pem,
                              now=now, max_skew=max_skew)
    try:
        _host, raw_path = request_target(url)
    except ValueError:
        raise SignatureError("bad_signature", f"cannot take a request target from {url!r}") from None
    return verify_request(method, raw_path, headers, body, public_key_pem, now=now, max_skew=max_skew)
