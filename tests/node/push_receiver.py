"""A push service on loopback for the Web Push tests.

It records what the node POSTs and answers with a chosen status; the
helpers decrypt a push with the subscription's private key (http_ece,
both encodings) and check its VAPID JWT with nothing but `cryptography`,
so the node's use of py-vapid is checked independently.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from aiohttp.test_utils import unused_port
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class ClientKeys:
    """What a browser makes for a subscription: an ECDH pair and an auth secret."""

    private: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(self.private.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class PushReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 201
        self.port = unused_port()
        self.runner: web.AppRunner | None = None

    def endpoint(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/push/{name}"

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append(Received(request.path, dict(request.headers), await request.read()))
        return web.Response(status=self.status)

    async def start(self) -> PushReceiver:
        app = web.Application()
        app.router.add_post("/push/{name}", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return list(self.received)


def decrypt_standard(push: Received, keys: ClientKeys) -> dict[str, Any]:
    """RFC 8291: the sender's key travels in the aes128gcm header."""
    assert push.headers["Content-Encoding"] == "aes128gcm"
    plain = http_ece.decrypt(push.body, private_key=keys.private, auth_secret=keys.auth, version="aes128gcm")
    return json.loads(plain)


def vapid_claims(token: str, public_key: str) -> dict[str, Any]:
    """The JWT's claims after checking its ES256 signature against `public_key`."""
    head, claims, signature = token.split(".")
    assert json.loads(unb64url(head)) == {"typ": "JWT", "alg": "ES256"}
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    try:
        key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise AssertionError("the VAPID JWT is not signed by the node's key") from None
    return json.loads(unb64url(claims))


def standard_vapid(push: Received) -> tuple[str, str]:
    """(JWT, public key) of an RFC 8292 `vapid t=...,k=...` header."""
    scheme, _, rest = push.headers["Authorization"].partition(" ")
    assert scheme == "vapid"
    parts = dict(item.strip().split("=", 1) for item in rest.split(","))
    return parts["t"], parts["k"]
