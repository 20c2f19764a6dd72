"""WebFinger lookups of remote accounts (`user@host` -> actor URL).

The query goes through the safe fetcher (federation.fetch), over https;
plain http only to a loopback host when the session allows private
addresses (tests, development). The `self` link of an ActivityStreams
type gives the actor.

The subject is checked back: when the answer names another account than
the one asked for (Mastodon's LOCAL_DOMAIN / WEB_DOMAIN split answers
`alice@social.example` with subject `acct:alice@example`), the subject's
own host is asked about the subject and must name it and the same actor.
A host cannot so claim accounts of another domain.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from federation.addresses import AddressPolicy, parse_ip
from federation.fetch import (
    FetchError,
    fetch_bytes,
    is_activitystreams_type,
    parse_json_limited,
    session_policy,
)

logger = logging.getLogger(__name__)

JRD_ACCEPT = "application/jrd+json, application/json"
WEBFINGER_MAX_BYTES = 256 * 1024
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
                   r"|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$")
_USERNAME = re.compile(r"^[^\s@/?#:]+$")


class WebfingerError(FetchError):
    """A WebFinger answer that is unusable: bad_acct, bad_response,
    no_actor_link, subject_mismatch (fetch failures stay FetchError)."""


@dataclass(frozen=True, slots=True)
class Acct:
    username: str
    host: str  # lower-case, with :port when not the default

    @property
    def resource(self) -> str:
        return f"acct:{self.username}@{self.host}"

    def same_as(self, other: Acct) -> bool:
        return self.host == other.host and self.username.casefold() == other.username.casefold()


@dataclass(frozen=True, slots=True)
class WebfingerResult:
    subject: str  # acct:user@domain, as the account's own host names it
    actor_url: str


def parse_acct(text: str) -> Acct:
    """`user@host`, `@user@host` or `acct:user@host`; WebfingerError(bad_acct) otherwise."""
    value = text.strip()
    if value[:5].lower() == "acct:":
        value = value[5:]
    username, sep, host = value.lstrip("@").rpartition("@")
    try:
        host = host.lower().encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        raise WebfingerError("bad_acct", f"bad host in {text!r}") from None
    if not sep or not _USERNAME.match(username) or not _HOST.match(host):
        raise WebfingerError("bad_acct", f"not an account address: {text!r}")
    return Acct(username=username, host=host)


def webfinger_url(acct: Acct, host: str, policy: AddressPolicy) -> str:
    """The WebFinger query URL for `acct` at `host`."""
    scheme = "http" if policy.allow_private and _is_loopback(host) else "https"
    return f"{scheme}://{host}/.well-known/webfinger?resource={quote(acct.resource, safe='@:')}"


async def resolve_acct(session: aiohttp.ClientSession, acct: str,
                       allow: Callable[[str], Awaitable[object]] | None = None) -> WebfingerResult:
    """Resolve `user@host` to its actor URL, the subject checked back at its host.

    `allow(host)` is awaited before each host is asked (the permit gate: it
    raises to refuse)."""
    asked = parse_acct(acct)
    if allow is not None:
        await allow(asked.host)
    first = await query_webfinger(session, asked, asked.host)
    subject = _subject_acct(first)
    if subject.same_as(asked):
        return first
    logger.info("webfinger %s answered subject %s; checking at %s", asked.resource,
                first.subject, subject.host)
    if allow is not None:
        await allow(subject.host)
    second = await query_webfinger(session, subject, subject.host)
    if not _subject_acct(second).same_as(subject) or second.actor_url != first.actor_url:
        raise WebfingerError("subject_mismatch",
                             f"{subject.host} does not confirm {first.subject} -> {first.actor_url}")
    return second


async def query_webfinger(session: aiohttp.ClientSession, acct: Acct, host: str) -> WebfingerResult:
    """One WebFinger query for `acct` at `host`: its subject and self link."""
    url = webfinger_url(acct, host, session_policy(session))
    fetched = await fetch_bytes(session, url, headers={"Accept": JRD_ACCEPT},
                                max_bytes=WEBFINGER_MAX_BYTES)
    document = parse_json_limited(fetched.body)
    if not isinstance(document, dict) or not isinstance(document.get("subject"), str):
        raise WebfingerError("bad_response", "no subject in the WebFinger answer", url=fetched.url)
    return WebfingerResult(subject=document["subject"], actor_url=_actor_link(document, fetched.url))


def _subject_acct(result: WebfingerResult) -> Acct:
    try:
        return parse_acct(result.subject)
    except WebfingerError:
        raise WebfingerError("bad_response", f"subject {result.subject!r} is no account") from None


def _actor_link(document: dict[str, Any], url: str) -> str:
    links = document.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        href, kind = link.get("href"), link.get("type")
        if isinstance(kind, str) and is_activitystreams_type(kind) and isinstance(href, str) \
                and href.startswith(("https://", "http://")):
            return href
    raise WebfingerError("no_actor_link", "no self link of an ActivityStreams type", url=url)


def _is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if name == "localhost":
        return True
    address = parse_ip(name)
    return address is not None and address.is_loopback
