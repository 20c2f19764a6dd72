"""Safe fetching of remote federation resources.

Every outgoing fetch goes through a session from `create_fetch_session`,
whose connector refuses the special addresses of `federation.addresses`
unless `allow_private_addresses` is set:

- a literal IP host is checked before each hop;
- a name is checked AT CONNECT TIME: the connector's resolver drops the
  refused addresses from the DNS answer it hands to the connection, so
  no second lookup can rebind the name between check and connect;
- the socket factory re-checks the exact address of every socket, so
  nothing reaches a refused address even by a path not foreseen here.

Redirects are followed by hand (at most 5), each target re-checked;
only http and https, never https -> http. Bodies are capped (1 MiB by
default) while reading. Every failure is one `FetchError(reason)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any, Literal

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from federation.addresses import AddressPolicy, IPNetwork, parse_ip

logger = logging.getLogger(__name__)

FetchReason = Literal[
    "private_address", "too_large", "bad_content_type", "id_mismatch", "timeout",
    "http_status", "too_many_redirects", "bad_json", "bad_url", "connect_error",
]
RequestSigner = Callable[[str, str, Mapping[str, str]], dict[str, str]]  # httpsig.request_signer

AS_PROFILE = "https://www.w3.org/ns/activitystreams"
AP_ACCEPT = f'application/activity+json, application/ld+json; profile="{AS_PROFILE}"'
DEFAULT_USER_AGENT = "permitted-node/0.1 (ActivityPub)"  # the node passes one naming its URL
DEFAULT_MAX_BYTES = 1_048_576
DEFAULT_MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A fetch that failed or was refused; `reason` is machine-readable."""

    def __init__(self, reason: FetchReason | str, detail: str = "", *,
                 status: int | None = None, url: str | None = None, canonical: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail, self.status, self.url = reason, detail, status, url
        self.canonical = canonical  # id_mismatch: the id the document gave itself


class ForbiddenAddressError(OSError):
    """Raised inside the connector when an address is refused."""


@dataclass(frozen=True, slots=True)
class FetchedResponse:
    url: str  # final URL, after redirects
    status: int
    content_type: str  # the Content-Type header as sent, "" if none
    body: bytes


@dataclass(frozen=True, slots=True)
class JsonLimits:
    max_depth: int = 32
    max_items: int = 10_000  # per array or object


# --- the session -------------------------------------------------------------

class GuardedResolver(AbstractResolver):
    """Resolves with `inner`, then keeps only the addresses the policy permits."""

    def __init__(self, policy: AddressPolicy, inner: AbstractResolver) -> None:
        self._policy, self._inner = policy, inner

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if self._policy.permits_text(r["host"])]
        if len(allowed) < len(results):
            logger.info("refused addresses for %s: %s", host,
                        sorted({r["host"] for r in results} - {r["host"] for r in allowed}))
        if not allowed:
            raise ForbiddenAddressError(f"{host} resolves only to refused addresses")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def guarded_socket_factory(policy: AddressPolicy) -> Callable[[Any], socket.socket]:
    def make_socket(addr_info: Any) -> socket.socket:
        family, type_, proto, _canonname, address = addr_info
        if not policy.permits_text(str(address[0])):
            raise ForbiddenAddressError(f"refused to connect to {address[0]}")
        return socket.socket(family=family, type=type_, proto=proto)
    return make_socket


class GuardedConnector(aiohttp.TCPConnector):
    """A TCPConnector that carries its AddressPolicy and enforces it."""

    def __init__(self, policy: AddressPolicy, *, resolver: AbstractResolver | None = None,
                 **kwargs: Any) -> None:
        self.address_policy = policy
        self._guarded_resolver = GuardedResolver(policy, resolver or DefaultResolver())
        super().__init__(resolver=self._guarded_resolver,
                         socket_factory=guarded_socket_factory(policy), **kwargs)

    async def close(self, *, abort_ssl: bool = False) -> None:
        await super().close(abort_ssl=abort_ssl)
        await self._guarded_resolver.close()


def create_fetch_session(*, allow_private_addresses: bool = False,
                         allow_networks: Sequence[IPNetwork] = (),
                         connect_timeout: float = 5.0, total_timeout: float = 15.0,
                         user_agent: str = DEFAULT_USER_AGENT,
                         resolver: AbstractResolver | None = None) -> aiohttp.ClientSession:
    """A ClientSession for federation fetches; call inside a running loop, close it after."""
    policy = AddressPolicy(allow_private=allow_private_addresses, allow_networks=tuple(allow_networks))
    timeout = aiohttp.ClientTimeout(total=total_timeout, connect=connect_timeout,
                                    sock_connect=connect_timeout)
    return aiohttp.ClientSession(
        connector=GuardedConnector(policy, resolver=resolver), timeout=timeout,
        headers={"User-Agent": user_agent}, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False)


def session_policy(session: aiohttp.ClientSession) -> AddressPolicy:
    """The policy of a session from `create_fetch_session`; TypeError for any other."""
    connector = session.connector
    if not isinstance(connector, GuardedConnector):
        raise TypeError("federation fetches need a session from create_fetch_session()")
    return connector.address_policy


# --- fetching ----------------------------------------------------------------

async def fetch_bytes(session: aiohttp.ClientSession, url: str, *,
                      headers: Mapping[str, str] | None = None, signer: RequestSigner | None = None,
                      max_bytes: int = DEFAULT_MAX_BYTES,
                      max_redirects: int = DEFAULT_MAX_REDIRECTS) -> FetchedResponse:
    """GET `url` following redirects by hand; a 2xx response's capped body."""
    policy = session_policy(session)
    current = _parse_url(url)
    for _hop in range(max_redirects + 1):
        check_url(current, policy)
        with _translate_errors(current):
            hop_headers = dict(headers or {})
            if signer is not None:
                hop_headers = signer("GET", str(current), hop_headers)
            async with session.get(current, headers=hop_headers, allow_redirects=False) as resp:
                target = _redirect_target(resp, current)
                if target is None:
                    return await _read_response(resp, current, max_bytes)
        logger.debug("redirect %s -> %s", current, target)
        current = target
    raise FetchError("too_many_redirects", f"more than {max_redirects} redirects", url=url)


def check_url(url: URL, policy: AddressPolicy) -> None:
    """Refuse a URL that is not plain http(s) or names a refused literal address."""
    if url.scheme not in ("http", "https") or not url.host:
        raise FetchError("bad_url", f"not an http(s) URL: {url}", url=str(url))
    if url.user is not None or url.password is not None:
        raise FetchError("bad_url", "credentials in URL", url=str(url))
    address = parse_ip(url.host)
    if address is not None and not policy.permits(address):
        raise FetchError("private_address", f"refused address {address}", url=str(url))


def _parse_url(text: str) -> URL:
    try:
        url = URL(text)
    except (ValueError, TypeError):
        raise FetchError("bad_url", f"unparseable URL {text!r}", url=text) from None
    return url.with_fragment(None)


def _redirect_target(resp: aiohttp.ClientResponse, current: URL) -> URL | None:
    if resp.status not in REDIRECT_STATUSES:
        return None
    location = resp.headers.get("Location")
    if not location:
        raise FetchError("http_status", "redirect without Location", status=resp.status, url=str(current))
    try:
        target = current.join(URL(location)).with_fragment(None)
    except (ValueError, TypeError):
        raise FetchError("bad_url", f"unparseable Location {location!r}", url=str(current)) from None
    if current.scheme == "https" and target.scheme == "http":
        raise FetchError("bad_url", f"redirect downgrades to {target}", url=str(current))
    return target


async def _read_response(resp: aiohttp.ClientResponse, url: URL, max_bytes: int) -> FetchedResponse:
    if not 200 <= resp.status < 300:
        raise FetchError("http_status", f"HTTP {resp.status}", status=resp.status, url=str(url))
    if resp.content_length is not None and resp.content_length > max_bytes:
        raise FetchError("too_large", f"Content-Length {resp.content_length} > {max_bytes}", url=str(url))
    body = bytearray()
    async for chunk in resp.content.iter_chunked(65536):
        body += chunk
        if len(body) > max_bytes:
            raise FetchError("too_large", f"body over {max_bytes} bytes", url=str(url))
    return FetchedResponse(url=str(url), status=resp.status,
                           content_type=resp.headers.get("Content-Type", ""), body=bytes(body))


@contextlib.contextmanager
def _translate_errors(url: URL) -> Iterator[None]:
    try:
        yield
    except (asyncio.TimeoutError, TimeoutError):
        raise FetchError("timeout", f"no complete answer from {url.host} in time", url=str(url)) from None
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, ForbiddenAddressError):
            raise FetchError("private_address", str(exc.os_error), url=str(url)) from None
        raise FetchError("connect_error", str(exc), url=str(url)) from None
    except aiohttp.ClientError as exc:
        raise FetchError("connect_error", f"{type(exc).__name__}: {exc}", url=str(url)) from None


# --- ActivityPub -------------------------------------------------------------

async def fetch_activitypub(session: aiohttp.ClientSession, url: str, *,
                            signer: RequestSigner | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                            limits: JsonLimits = JsonLimits()) -> tuple[str, dict[str, Any]]:
    """(final URL, document) of an ActivityStreams object whose `id` is that final URL."""
    fetched = await fetch_bytes(session, url, headers={"Accept": AP_ACCEPT}, signer=signer,
                                max_bytes=max_bytes)
    if not is_activitystreams_type(fetched.content_type):
        raise FetchError("bad_content_type", f"Content-Type {fetched.content_type!r}", url=fetched.url)
    document = parse_json_limited(fetched.body, limits)
    if not isinstance(document, dict):
        raise FetchError("bad_json", "not a JSON object", url=fetched.url)
    if not _same_url(document.get("id"), fetched.url):
        own = document.get("id")
        raise FetchError("id_mismatch", f"id {own!r} is not {fetched.url}", url=fetched.url,
                         canonical=own if isinstance(own, str) else "")
    return fetched.url, document


def is_activitystreams_type(content_type: str) -> bool:
    """application/activity+json, or application/ld+json with the AS profile."""
    message = Message()
    message["Content-Type"] = content_type
    mime = message.get_content_type() if content_type else ""
    if mime == "application/activity+json":
        return True
    profile = message.get_param("profile")
    return (mime == "application/ld+json" and isinstance(profile, str)
            and AS_PROFILE in profile.split())


def parse_json_limited(body: bytes, limits: JsonLimits = JsonLimits()) -> Any:
    """JSON with nesting and collection sizes bounded; FetchError(bad_json) otherwise."""
    try:
        document = json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise FetchError("bad_json", f"{type(exc).__name__}: {exc}"[:200]) from None
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > limits.max_depth:
            raise FetchError("bad_json", f"nested deeper than {limits.max_depth}")
        if len(node) > limits.max_items:
            raise FetchError("bad_json", f"a collection over {limits.max_items} items")
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children)
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _same_url(document_id: Any, final_url: str) -> bool:
    if not isinstance(document_id, str):
        return False
    try:
        given = URL(document_id)
    except (ValueError, TypeError):
        return False
    return given.is_absolute() and given.with_fragment(None) == URL(final_url).with_fragment(None)
