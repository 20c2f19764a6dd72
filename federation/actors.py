"""Remote actors: fetch, parse, store and refresh; public keys by keyId.

Every fetch asks the permit gate first: an actor on a host without a
permit is never contacted. The accounts table is the key cache: a keyId
found there is used without a fetch (and kept in memory a few seconds,
see `KeyCache`); `key_for(..., refresh=True)` refetches (the inbox does
so once when a signature fails, for key rotation). Fetches of keys are
bounded per keyId and per host (`federation.key_limits`).
"""

from __future__ import annotations

import json
import logging
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from federation.context import Federation
from federation.custom_emojis import record_emoji_tags
from federation.fetch import FetchError, RequestSigner, fetch_activitypub
from federation.key_limits import KeyFetchRefused, limits_for
from federation.peers import url_host
from federation.sanitize import sanitize_html
from storage import custom_emojis, remote
from storage.accounts import AccountRow, find_account_by_uri
from storage.database import Database
from storage.remote import RemoteAccount

logger = logging.getLogger(__name__)

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})
MAX_FIELDS = 16


class ActorError(Exception):
    """An actor that cannot be used; `reason` is machine-readable:
    not_permitted, fetch_failed, bad_actor, key_mismatch, throttled."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


def _str(doc: dict[str, Any], key: str, default: str = "") -> str:
    value = doc.get(key)
    return value if isinstance(value, str) else default


def _image_url(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url")
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else ""


def _fields(doc: dict[str, Any]) -> str:
    attachments = doc.get("attachment")
    items = attachments if isinstance(attachments, list) else []
    fields = [{"name": _str(a, "name")[:255], "value": sanitize_html(_str(a, "value")), "verified_at": None}
              for a in items if isinstance(a, dict) and a.get("type") == "PropertyValue"]
    return json.dumps(fields[:MAX_FIELDS], ensure_ascii=False)


def _same_host(url: str, host: str) -> str:
    """`url` when it is on `host`, else ''."""
    return url if url and url_host(url) == host else ""


def parse_actor(doc: dict[str, Any]) -> RemoteAccount:
    """A RemoteAccount from an actor document; ActorError(bad_actor) if unusable."""
    uri, host = _str(doc, "id"), url_host(_str(doc, "id"))
    username = _str(doc, "preferredUsername").strip()
    inbox = _same_host(_str(doc, "inbox"), host)
    key = doc.get("publicKey")
    key = key[0] if isinstance(key, list) and key else key
    if doc.get("type") not in ACTOR_TYPES or not host or not username or not inbox or not isinstance(key, dict):
        raise ActorError("bad_actor", f"{uri or 'document'} is not a usable actor")
    if _str(key, "owner") != uri or not _str(key, "publicKeyPem") or url_host(_str(key, "id")) != host:
        raise ActorError("key_mismatch", f"the key of {uri} is not owned by it")
    endpoints = doc.get("endpoints") if isinstance(doc.get("endpoints"), dict) else {}
    return RemoteAccount(
        uri=uri, username=username[:255], domain=host, display_name=_str(doc, "name")[:255],
        note=sanitize_html(_str(doc, "summary")), fields_json=_fields(doc),
        locked=doc.get("manuallyApprovesFollowers") is True, bot=doc.get("type") in ("Service", "Application"),
        discoverable=doc.get("discoverable") is True, indexable=doc.get("indexable") is True,
        avatar_url=_image_url(doc.get("icon")), header_url=_image_url(doc.get("image")),
        url=_same_host(_url(doc.get("url")), host) or uri, inbox_url=inbox,
        shared_inbox_url=_same_host(_str(endpoints, "sharedInbox"), host),
        outbox_url=_same_host(_str(doc, "outbox"), host), followers_url=_same_host(_str(doc, "followers"), host),
        following_url=_same_host(_str(doc, "following"), host), featured_url=_same_host(_str(doc, "featured"), host),
        public_key_pem=_str(key, "publicKeyPem"), public_key_id=_str(key, "id"))


def _url(value: Any) -> str:
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, (str, dict))), None)
    if isinstance(value, dict):
        value = value.get("href")
    return value if isinstance(value, str) else ""


async def check_host(fed: Federation, url: str, *, recent: bool = False) -> str:
    """The host of `url` when the permit gate lets us talk to it; ActorError otherwise.

    `recent=True` (signed requests coming in) accepts a "permitted" answer
    the gate gave in this process within `PERMITTED_SECONDS`; a refusal is
    never reused, so a new permit counts at once. A permit revoked,
    suspended or removed refuses requests at most `PERMITTED_SECONDS`
    later; what was stored meanwhile is dropped by inbox processing, which
    asks the gate afresh before applying anything.
    """
    host = url_host(url)
    if not host:
        raise ActorError("not_permitted", f"no host in {url!r}")
    permitted = _permitted(fed)
    if recent and permitted.get(host, 0.0) > time.monotonic():
        return host
    decision = await fed.gate.check(host)
    if not decision.permitted:
        permitted.pop(host, None)
        raise ActorError("not_permitted", decision.message)
    permitted[host] = time.monotonic() + PERMITTED_SECONDS
    if len(permitted) > PERMITTED_HOSTS:
        now = time.monotonic()
        for stale in [h for h, until in permitted.items() if until <= now] or list(permitted)[:1]:
            del permitted[stale]
    return host


PERMITTED_SECONDS = 2.0
PERMITTED_HOSTS = 4096
_PERMITTED: weakref.WeakKeyDictionary[Any, dict[str, float]] = weakref.WeakKeyDictionary()


def _permitted(fed: Federation) -> dict[str, float]:
    """host -> until when its "permitted" answer may be reused, per gate."""
    hosts = _PERMITTED.get(fed.gate)
    if hosts is None:
        hosts = _PERMITTED[fed.gate] = {}
    return hosts


async def fetch_actor_document(fed: Federation, uri: str,
                               signer: RequestSigner | None = None) -> dict[str, Any]:
    """An actor (or key) document, signed by the instance actor unless `signer` is given."""
    await check_host(fed, uri)
    try:
        _url_final, doc = await fetch_activitypub(fed.session, uri, signer=signer or fed.instance.signer())
    except FetchError as exc:
        raise ActorError("fetch_failed", str(exc)) from None
    if url_host(_str(doc, "id")) != url_host(uri):
        raise ActorError("bad_actor", f"{uri} answered with an actor of another host")
    return doc


async def refresh_actor(fed: Federation, uri: str, signer: RequestSigner | None = None) -> AccountRow:
    """Fetch and store (insert or update) the actor at `uri`."""
    return await store_actor_document(fed, await fetch_actor_document(fed, uri, signer))


async def store_actor_document(fed: Federation, doc: dict[str, Any]) -> AccountRow:
    """Parse and store an actor document, with the custom emoji its profile uses."""
    account = await store_actor(fed, parse_actor(doc))
    await record_emoji_tags(fed, account.domain, doc)
    await custom_emojis.refresh_account(fed.db, account.id)
    return account


async def store_actor(fed: Federation, actor: RemoteAccount) -> AccountRow:
    if actor.domain == fed.settings.domain:
        raise ActorError("bad_actor", "a remote document cannot describe a local actor")
    try:
        return await remote.upsert_remote_account(fed.db, fed.ids.next_id(), actor)
    finally:
        _key_cache(fed.db).clear()  # a key may have changed: no cached row outlives its update


async def actor_for(fed: Federation, uri: str, signer: RequestSigner | None = None) -> AccountRow:
    """The stored account with this uri, fetched when unknown."""
    known = await find_account_by_uri(fed.db, uri)
    if known is not None:
        return known
    return await refresh_actor(fed, uri, signer)


@dataclass(frozen=True, slots=True)
class SigningKey:
    account: AccountRow
    fetched: bool  # fetched just now (a refetch would not help)


async def key_for(fed: Federation, key_id: str, *, refresh: bool = False,
                  signer: RequestSigner | None = None) -> SigningKey:
    """The account whose public key has this keyId; fetched when unknown or `refresh`."""
    cache = _key_cache(fed.db)
    if not refresh:
        cached = cache.get(key_id)
        if cached is not None:
            return SigningKey(cached, False)
        known = await remote.find_account_by_key_id(fed.db, key_id)
        if known is not None and known.public_key_pem:
            cache.put(key_id, known)
            return SigningKey(known, False)
    try:
        return await limits_for(fed.db).fetch(key_id, url_host(key_id), lambda: _fetch_key(fed, key_id, signer),
                                                 refresh=refresh)
    except KeyFetchRefused as exc:
        raise ActorError("throttled", exc.reason) from None


async def _fetch_key(fed: Federation, key_id: str, signer: RequestSigner | None) -> SigningKey:
    doc = await fetch_actor_document(fed, key_id.split("#", 1)[0], signer)
    owner = _str(doc, "owner")
    if doc.get("type") not in ACTOR_TYPES and owner:  # a key document: its owner is the actor
        doc = await fetch_actor_document(fed, owner, signer)
    account = await store_actor_document(fed, doc)
    if account.public_key_id != key_id:
        raise ActorError("key_mismatch", f"{account.uri} does not hold key {key_id}")
    return SigningKey(account, True)


class KeyCache:
    """Account rows by keyId, for `key_for`, each for `KEY_CACHE_SECONDS`.

    Saves the accounts lookup on every signed request. Bound on staleness:
    `store_actor` (actor Update, Move, refetch after a failed signature)
    clears it in this process, so a key changed here is seen at once; a key
    changed by another process of the node is seen within the TTL. A cached
    key that no longer verifies is refetched as before (`fetched` is False).
    """

    def __init__(self, ttl: float, size: int) -> None:
        self._ttl, self._size = ttl, size
        self._rows: OrderedDict[str, tuple[float, AccountRow]] = OrderedDict()

    def get(self, key_id: str) -> AccountRow | None:
        hit = self._rows.get(key_id)
        if hit is None:
            return None
        if hit[0] <= time.monotonic():
            del self._rows[key_id]
            return None
        self._rows.move_to_end(key_id)
        return hit[1]

    def put(self, key_id: str, row: AccountRow) -> None:
        self._rows[key_id] = (time.monotonic() + self._ttl, row)
        self._rows.move_to_end(key_id)
        while len(self._rows) > self._size:
            self._rows.popitem(last=False)

    def clear(self) -> None:
        self._rows.clear()


KEY_CACHE_SECONDS = 10.0
KEY_CACHE_SIZE = 4096
_KEY_CACHES: weakref.WeakKeyDictionary[Database, KeyCache] = weakref.WeakKeyDictionary()


def _key_cache(db: Database) -> KeyCache:
    cache = _KEY_CACHES.get(db)
    if cache is None:
        cache = _KEY_CACHES[db] = KeyCache(KEY_CACHE_SECONDS, KEY_CACHE_SIZE)
    return cache
