"""Web Push messages: the node's VAPID key pair, encryption and sending.

py-vapid signs the VAPID JWT (RFC 8292) and http-ece encrypts the payload
(RFC 8291 / RFC 8188); nothing cryptographic is written here. A
subscription made with `standard` gets the RFCs (`aes128gcm`, `vapid
t=..,k=..`); one without gets the drafts Mastodon sent before 4.4
(`aesgcm` with `Encryption`/`Crypto-Key` headers, `WebPush <jwt>`), which
older clients (and Mastodon.py's decrypt helper) still expect.

Sending is node.push_setup's: through the SSRF-safe session, as
deliveries are (federation.delivery.post_activity).
"""

from __future__ import annotations

import base64
import binascii
import os
import time
from dataclasses import dataclass
import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid01, Vapid02, VapidException
from yarl import URL

from storage import node_keys
from storage.database import Database

TTL_SECONDS = 48 * 3600  # Mastodon's: a phone that is off for two days still gets it
JWT_SECONDS = 12 * 3600


class PushKeyError(ValueError):
    """A subscription's keys are not a P-256 public key and a 16-byte secret."""


@dataclass(frozen=True, slots=True)
class VapidKeys:
    private_pem: str
    public_key: str  # uncompressed P-256 point, base64url without padding (the clients' server_key)


@dataclass(frozen=True, slots=True)
class PushTarget:
    endpoint: str
    p256dh: str
    auth: str
    standard: bool


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def decode_b64(text: str) -> bytes:
    """Base64 in either alphabet, padded or not (clients send both)."""
    clean = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(clean + "=" * (-len(clean) % 4))
    except (binascii.Error, ValueError):
        raise PushKeyError("not base64") from None


def check_client_keys(p256dh: str, auth: str) -> None:
    """Raise PushKeyError unless the keys can encrypt a message."""
    point = decode_b64(p256dh)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise PushKeyError("p256dh is not a P-256 public key") from None
    if len(decode_b64(auth)) != 16:
        raise PushKeyError("auth is not a 16-byte secret")


def generate_vapid_keys() -> VapidKeys:
    vapid = Vapid02()
    vapid.generate_keys()
    public = vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return VapidKeys(vapid.private_pem().decode(), b64url(public))


async def load_vapid_keys(db: Database) -> VapidKeys:
    """The stored pair, made on first need (at `init`, or the first start)."""
    stored = await node_keys.get_vapid_keys(db)
    if stored is None:
        made = generate_vapid_keys()
        stored = await node_keys.store_vapid_keys(db, made.private_pem, made.public_key)
    return VapidKeys(*stored)


def _audience(endpoint: str) -> str:
    url = URL(endpoint)
    origin = f"{url.scheme}://{url.raw_host}"
    return origin if url.is_default_port() else f"{origin}:{url.port}"


def vapid_headers(keys: VapidKeys, target: PushTarget, subject: str, *, now: float | None = None) -> dict[str, str]:
    """Authorization (and, for the drafts, Crypto-Key's p256ecdsa)."""
    signer_class = Vapid02 if target.standard else Vapid01
    signer = signer_class.from_pem(keys.private_pem.encode())
    signer.conf = {"no-strict": True}  # `sub` may be the node's URL, as RFC 8292 allows
    claims = {"aud": _audience(target.endpoint), "sub": subject,
              "exp": int(now if now is not None else time.time()) + JWT_SECONDS}
    try:
        return dict(signer.sign(claims))
    except VapidException as exc:
        raise PushKeyError(f"cannot sign for {claims['aud']}: {exc}") from None


def encrypt_message(keys: VapidKeys, target: PushTarget, payload: bytes, subject: str) -> tuple[bytes, dict[str, str]]:
    """The encrypted body and every header of one push request."""
    receiver = decode_b64(target.p256dh)
    secret = decode_b64(target.auth)
    sender = ec.generate_private_key(ec.SECP256R1())  # ephemeral, one per message
    headers = {"TTL": str(TTL_SECONDS), "Urgency": "normal", "Content-Type": "application/octet-stream"}
    signed = vapid_headers(keys, target, subject)
    if target.standard:
        body = http_ece.encrypt(payload, private_key=sender, dh=receiver, auth_secret=secret, version="aes128gcm")
        return body, headers | {"Content-Encoding": "aes128gcm", "Authorization": signed["Authorization"]}
    salt = os.urandom(16)
    body = http_ece.encrypt(payload, salt=salt, private_key=sender, dh=receiver, auth_secret=secret,
                            version="aesgcm")
    sender_public = b64url(sender.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
    return body, headers | {
        "Content-Encoding": "aesgcm", "Encryption": f"salt={b64url(salt)}",
        "Crypto-Key": f"dh={sender_public};{signed['Crypto-Key']}",
        "Authorization": signed["Authorization"],
    }


def vapid_subject(contact_email: str, base_url: str) -> str:
    """RFC 8292's contact: the node's e-mail when it has one, else its URL."""
    return f"mailto:{contact_email}" if contact_email else base_url.rstrip("/")


@dataclass(frozen=True, slots=True)
class WebPushRuntime:
    """What the API and the sender share: the key pair and the VAPID contact."""

    keys: VapidKeys
    subject: str


async def init_vapid_keys(config: object, db: Database) -> list[str]:
    """`init` step: the node's Web Push (VAPID) key pair."""
    keys = await load_vapid_keys(db)
    return [f"created the Web Push (VAPID) key pair, public key {keys.public_key}"]
