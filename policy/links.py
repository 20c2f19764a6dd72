"""Links in local posts (article 7(6): no links to unlicensed sites).

For each URL in a post the host is permitted when the permit registry
(through the permit gate) permits it, or it is on `[federation]
link_allow_hosts`. Links to permitted hosts stay links. The others are
handled by `[federation] links`:

- `unlink`: the post is published with those URLs as plain text (no anchor);
- `review`: the post is held for a moderator (author only, state pending);
- `reject`: the post is refused (422) naming the first such host.

`decide_links` is pure: host verdicts in, a `LinkDecision` with one
reason per host out. `vet_links` asks the gate (or, with federation off,
the registry alone) about each distinct host once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from policy.permit_gate import CHINA_STANDARD_TIME
from policy.permits import (
    UNKNOWN,
    PeerDecision,
    PermitError,
    decide_peer,
    entry_from_row,
    normalise_host,
)
from storage import permits as store
from storage.database import Database

MODES = ("unlink", "review", "reject")
LinkAction = Literal["accept", "review", "reject"]
HostCheck = Callable[[str], Awaitable[PeerDecision]]


@dataclass(frozen=True, slots=True)
class LinkRules:
    mode: str = "unlink"                 # one of MODES
    allow_hosts: tuple[str, ...] = ()    # "example.cn", or "*.example.cn" for its subdomains


@dataclass(frozen=True, slots=True)
class HostVerdict:
    """One linked host: rendered as a link or not, and why."""

    host: str
    url: str             # the first URL in the post naming this host
    linked: bool
    reason: str          # permitted | self | allow_list | no_permit | suspended | ... | bad_host
    message: str


@dataclass(frozen=True, slots=True)
class LinkDecision:
    action: LinkAction
    hosts: tuple[HostVerdict, ...] = ()
    mode: str = "unlink"

    @property
    def unlinked(self) -> tuple[HostVerdict, ...]:
        return tuple(h for h in self.hosts if not h.linked)

    @property
    def message(self) -> str:
        if not self.unlinked:
            return ""
        first = self.unlinked[0]
        verb = {"reject": "was not published", "review": "is held for review"}.get(self.action, "was published")
        return (f"This post {verb}: it links to {first.host}, which holds no permit"
                f" in this node's registry ({first.message}).")

    def link_policy(self) -> Callable[[str], str]:
        """host -> "link" | "unlink" for node.text rendering (hostnames, no port)."""
        blocked = {_hostname(h.host) for h in self.unlinked}
        return lambda host: "unlink" if host.lower() in blocked else "link"


def _hostname(host: str) -> str:
    return host.rsplit(":", 1)[0] if not host.endswith("]") else host


def url_host(url: str) -> str:
    """The registry's form of a URL's host (host[:port]); raises PermitError."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise PermitError("host", f"{url!r} has no host")
    name = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    try:
        port = parts.port
    except ValueError:
        raise PermitError("host", f"{url!r} has a bad port") from None
    return normalise_host(f"{name}:{port}" if port else name)


def allow_listed(host: str, allow_hosts: Iterable[str]) -> bool:
    name = _hostname(host)
    for entry in allow_hosts:
        entry = entry.strip().lower()
        if entry.startswith("*.") and name.endswith(entry[1:]):
            return True
        if entry in (host, name):
            return True
    return False


def decide_links(urls: Sequence[str], verdicts: Mapping[str, PeerDecision], rules: LinkRules) -> LinkDecision:
    """The decision for a post's URLs, given the gate's answer per host."""
    hosts: dict[str, HostVerdict] = {}
    for url in urls:
        try:
            host = url_host(url)
        except PermitError as exc:
            hosts.setdefault(url, HostVerdict(url, url, False, "bad_host", exc.message))
            continue
        if host not in hosts:
            hosts[host] = _verdict(host, url, verdicts.get(host), rules)
    found = tuple(hosts.values())
    if all(h.linked for h in found):
        return LinkDecision("accept", found, rules.mode)
    action: LinkAction = "reject" if rules.mode == "reject" else "review" if rules.mode == "review" else "accept"
    return LinkDecision(action, found, rules.mode)


def _verdict(host: str, url: str, decision: PeerDecision | None, rules: LinkRules) -> HostVerdict:
    if allow_listed(host, rules.allow_hosts):
        return HostVerdict(host, url, True, "allow_list", f"{host} is on link_allow_hosts")
    if decision is None:
        return HostVerdict(host, url, False, "no_permit", f"no permit for {host} is in the registry")
    return HostVerdict(host, url, decision.permitted, decision.reason, decision.message)


def registry_check(db: Database, *, today: Callable[[], dt.date] | None = None) -> HostCheck:
    """The registry alone (no declarations): for a node whose federation is off."""
    async def check(host: str) -> PeerDecision:
        row = await store.get_permit(db, host)
        day = today() if today else dt.datetime.now(CHINA_STANDARD_TIME).date()
        entry = entry_from_row(row) if row is not None else None
        return decide_peer(entry, today=day, declared=UNKNOWN, require_declared=False, host=host)
    return check


async def vet_links(urls: Sequence[str], check: HostCheck, rules: LinkRules) -> LinkDecision:
    """Ask `check` (PermitGate.check, or `registry_check`) once per host not allow-listed."""
    verdicts: dict[str, PeerDecision] = {}
    for url in urls:
        try:
            host = url_host(url)
        except PermitError:
            continue
        if host not in verdicts and not allow_listed(host, rules.allow_hosts):
            verdicts[host] = await check(host)
    return decide_links(urls, verdicts, rules)
