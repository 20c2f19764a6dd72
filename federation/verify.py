"""Who signed this request, and may they talk to us? One answer for every route.

Signed GETs (secure mode) and inbox POSTs both come here. The order is:
a signature is present (401), the keyId's host has a permit (403, and the
host is never contacted otherwise), the key is found (fetched through the
gate; 401 when it cannot be), the signature verifies (401; on failure a
cached key is refetched, for key rotation, at most once per key and few
minutes: `federation.key_limits`), the key owner's host has a permit
(403). Reasons are mapped to HTTP statuses here, in one place.

Per-request costs kept small (the inbox takes ~1,000 requests/s): a
"permitted" answer of the gate is reused for 2 s (`actors.check_host`,
refusals never are), the key's account row for 10 s (`actors.KeyCache`,
cleared when an actor is stored), parsed keys by PEM (`httpsig`), and the
owner's host is not asked again when it is the keyId's host just asked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from federation.actors import ActorError, check_host, key_for
from federation.context import Federation
from federation.httpsig import SignatureError
from federation.peers import url_host
from federation.rfc9421 import signature_key_id, verify_any
from storage.accounts import AccountRow

logger = logging.getLogger(__name__)


class SignedRequestError(Exception):
    """A request refused: `status` is 401 or 403, `reason` machine-readable."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status, self.reason, self.message = status, reason, message


@dataclass(frozen=True, slots=True)
class SignedBy:
    account: AccountRow  # the key owner (remote, or local for a self-request)
    key_id: str
    scheme: str


def signer_host(headers: Mapping[str, str]) -> str:
    """The host a request's signature names (for counting refusals); "" if none."""
    try:
        return url_host(signature_key_id(headers))
    except SignatureError:
        return ""


def _key_id(headers: Mapping[str, str]) -> str:
    try:
        return signature_key_id(headers)
    except SignatureError as exc:
        raise SignedRequestError(401, exc.reason, "a valid HTTP signature is required") from None


async def verify_signed(fed: Federation, method: str, url: str, headers: Mapping[str, str],
                        body: bytes) -> SignedBy:
    """Verify a signed request (`url` absolute, as received); SignedRequestError otherwise."""
    key_id = _key_id(headers)
    try:
        key_host = await check_host(fed, key_id, recent=True)
        key = await key_for(fed, key_id)
    except ActorError as exc:
        raise _actor_refusal(exc) from None
    try:
        verified = _verify(method, url, headers, body, key.account.public_key_pem)
    except SignatureError as exc:
        if exc.reason != "bad_signature" or key.fetched or key.account.local:
            raise SignedRequestError(401, exc.reason, exc.detail or exc.reason) from None
        logger.info("signature by %s failed with the cached key; refetching", key_id)
        try:
            key = await key_for(fed, key_id, refresh=True)
            verified = _verify(method, url, headers, body, key.account.public_key_pem)
        except ActorError as err:
            raise _actor_refusal(err) from None
        except SignatureError as err:
            raise SignedRequestError(401, err.reason, err.detail or err.reason) from None
    if key.fetched or url_host(key.account.uri) != key_host:
        # Asked again unless the owner is on the host the gate permitted a
        # moment ago, with no fetch in between (the same question, answered).
        try:
            await check_host(fed, key.account.uri)
        except ActorError as exc:
            raise _actor_refusal(exc) from None
    return SignedBy(key.account, key_id, verified)


def _verify(method: str, url: str, headers: Mapping[str, str], body: bytes, pem: str) -> str:
    return verify_any(method, url, headers, body, pem).scheme


def _actor_refusal(exc: ActorError) -> SignedRequestError:
    if exc.reason == "not_permitted":
        return SignedRequestError(403, "not_permitted", exc.detail)
    return SignedRequestError(401, exc.reason, f"the signing key could not be used: {exc.detail}")
