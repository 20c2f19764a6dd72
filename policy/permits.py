"""Which peers the node may federate with (article 7(6)).

A peer is permitted only while the permit registry holds an active,
unexpired permit for its host and, when the peer declares a number in its
NodeInfo `metadata.permit`, that number equals the registry's. The decisions
are pure: values in, a `PeerDecision` out. The registry changes at the end
(add, import, set status, remove) store entries and return a `PermitChange`
for the audit log. `policy.permit_gate.PermitGate` adds the stored
registry, the declaration cache and the lookup the federation layer
supplies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import ipaddress
import unicodedata
from dataclasses import dataclass

# idna (UTS #46) is what yarl, and so every aiohttp URL, uses for hosts:
# a host normalised here equals `URL(...).host` for the same peer.
import idna

from policy.permit_numbers import PermitNumberError, parse_permit_number
from storage import permits as store
from storage.database import Database, Writer
from storage.ids import IdGenerator

KINDS = ("filing", "licence")
STATUSES = ("active", "suspended", "revoked")
REASONS = ("permitted", "no_permit", "suspended", "revoked", "expired",
           "declared_mismatch", "declaration_missing", "self")
DEFAULT_PORTS = ("80", "443")
REGISTRY_SOURCE = "registry:"  # + a subscription id: a row a shared registry manages


class PermitError(ValueError):
    """A host, number or other field that cannot go in the registry."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class Unknown(enum.Enum):
    """A peer's declaration that has not been fetched (or could not be)."""

    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN


@dataclass(frozen=True, slots=True)
class PermitEntry:
    """One registry entry, validated: what the gate decides on."""

    host: str
    number: str
    kind: str
    holder: str = ""
    status: str = "active"
    valid_until: dt.date | None = None
    source: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class PeerDecision:
    """Whether the node may exchange anything with `host`, and why."""

    permitted: bool
    host: str
    reason: str  # one of REASONS
    message: str
    number: str | None = None  # the registry's number, when there is an entry


@dataclass(frozen=True, slots=True)
class PermitChange:
    """What a registry change did, for the audit log: before and after."""

    action: str  # create | update | suspend | revoke | activate | delete
    host: str
    before: PermitEntry | None
    after: PermitEntry | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


class PermitNotFoundError(LookupError):
    """No registry entry for the host."""


def normalise_host(text: str) -> str:
    """`host` or `host:port`, lower-case ASCII (IDNA); raises PermitError.

    Default ports (80, 443) are dropped, other ports kept; a scheme, path,
    query or user information is refused rather than guessed around.
    """
    raw = text.strip()
    if not raw:
        raise PermitError("host", "is empty")
    if any(c in raw for c in "/@?#\\") or any(c.isspace() for c in raw):
        raise PermitError("host", f"{raw!r} is not a host: give host or host:port, "
                          "without scheme, path or user")
    name, port = _split_port(raw)
    host = _normalise_name(name)
    return host if port is None or port in DEFAULT_PORTS else f"{host}:{port}"


def _split_port(raw: str) -> tuple[str, str | None]:
    if raw.startswith("["):
        name, bracket, rest = raw[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise PermitError("host", f"{raw!r} is not a host")
        return f"[{name}]", _port(rest[1:], raw) if rest else None
    if raw.count(":") > 1:
        raise PermitError("host", f"{raw!r}: an IPv6 address goes in brackets, e.g. [::1]:8443")
    name, colon, port = raw.partition(":")
    return name, _port(port, raw) if colon else None


def _port(text: str, raw: str) -> str:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65535:
        raise PermitError("host", f"{raw!r} has no valid port (1-65535)")
    return str(int(text))


def _normalise_name(name: str) -> str:
    if name.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(name[1:-1]).compressed}]"
        except ValueError:
            raise PermitError("host", f"{name!r} is not an IPv6 address") from None
    name = name.rstrip(".")
    try:
        return str(ipaddress.IPv4Address(name))
    except ValueError:
        pass
    try:
        host = idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise PermitError("host", f"{name!r} is not a host name ({exc})") from None
    if "." not in host:
        raise PermitError("host", f"{name!r} is not a fully qualified host name")
    return host


def normalise_number(text: str) -> str:
    """A number as written by people and peers: NFKC, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def validate_entry(host: str, number: str, kind: str | None = None,
                   valid_until: str | dt.date | None = None, *, holder: str = "",
                   status: str = "active", source: str = "", note: str = "") -> PermitEntry:
    """A checked PermitEntry; raises PermitError naming the bad field.

    The kind is inferred from the number's form; a given kind must agree.
    """
    clean = normalise_host(host)
    if not number.strip():
        raise PermitError("number", "is missing")
    try:
        parsed = parse_permit_number(normalise_number(number))
    except PermitNumberError as exc:
        raise PermitError("number", str(exc)) from None
    if kind and kind not in KINDS:
        raise PermitError("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    if kind and kind != parsed.kind:
        raise PermitError("kind", f"{parsed.number} is a {parsed.kind} number, not a {kind}")
    if status not in STATUSES:
        raise PermitError("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    return PermitEntry(host=clean, number=parsed.number, kind=parsed.kind, holder=holder.strip(),
                       status=status, valid_until=parse_valid_until(valid_until),
                       source=source, note=note.strip())


def parse_valid_until(value: str | dt.date | None) -> dt.date | None:
    """An ISO date (YYYY-MM-DD), a date, or nothing (no end date)."""
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise PermitError("valid_until", f"{value!r} is not a date such as 2027-12-31")


def decide_peer(entry: PermitEntry | None, *, today: dt.date, declared: str | None | Unknown,
                require_declared: bool, host: str = "") -> PeerDecision:
    """The one permit decision: default deny, reasons as values.

    `declared` is the number the peer declares (None: it declares none;
    UNKNOWN: not fetched). `valid_until` is inclusive. `host` names the
    peer when there is no entry.
    """
    if entry is None:
        return PeerDecision(False, host, "no_permit", f"no permit for {host or 'this host'} is in the registry")
    registry = _decide_registry(entry, today)
    if not registry.permitted:
        return registry
    if isinstance(declared, str) and normalise_number(declared):
        return _decide_declared(entry, normalise_number(declared))
    if require_declared:
        missing = "has not been fetched" if declared is UNKNOWN else "declares no permit number"
        return PeerDecision(False, entry.host, "declaration_missing",
                            f"{entry.host} {missing}; a declared number is required "
                            f"(registry: {entry.number})", entry.number)
    return registry


def _decide_registry(entry: PermitEntry, today: dt.date) -> PeerDecision:
    host, number = entry.host, entry.number
    if entry.status in ("suspended", "revoked"):
        return PeerDecision(False, host, entry.status, f"the permit of {host} ({number}) is {entry.status}",
                            number)
    if entry.status != "active":
        return PeerDecision(False, host, "no_permit", f"{host} has an unknown status {entry.status!r}",
                            number)
    if entry.valid_until is not None and entry.valid_until < today:
        return PeerDecision(False, host, "expired",
                            f"the permit of {host} ({number}) was valid until {entry.valid_until}", number)
    return PeerDecision(True, host, "permitted", f"{host} holds {entry.kind} {number}", number)


def _decide_declared(entry: PermitEntry, declared: str) -> PeerDecision:
    if declared == normalise_number(entry.number):
        return PeerDecision(True, entry.host, "permitted",
                            f"{entry.host} holds {entry.kind} {entry.number} and declares it", entry.number)
    return PeerDecision(False, entry.host, "declared_mismatch",
                        f"{entry.host} declares {declared} but the registry holds {entry.number}",
                        entry.number)


def decide_self(host: str, number: str | None) -> PeerDecision:
    """The node itself: covered by its own permit (article 6)."""
    return PeerDecision(True, host, "self", f"{host} is this node", number or None)


def entry_from_row(row: store.PermitRow) -> PermitEntry:
    return PermitEntry(host=row.host, number=row.number, kind=row.kind, holder=row.holder,
                       status=row.status, valid_until=parse_valid_until(row.valid_until),
                       source=row.source, note=row.note)


def _new_permit(entry: PermitEntry) -> store.NewPermit:
    until = entry.valid_until.isoformat() if entry.valid_until else None
    return store.NewPermit(host=entry.host, number=entry.number, kind=entry.kind, holder=entry.holder,
                           status=entry.status, valid_until=until, source=entry.source, note=entry.note)


def _change(action: str, host: str, rows: store.RowChange) -> PermitChange:
    before, after = (entry_from_row(r) if r is not None else None for r in rows)
    if action == "upsert":
        action = "update" if before is not None else "create"
    return PermitChange(action, host, before, after)


async def get_entry(db: Database, host: str) -> PermitEntry | None:
    row = await store.get_permit(db, normalise_host(host))
    return entry_from_row(row) if row is not None else None


async def add_permit(db: Database, ids: IdGenerator, entry: PermitEntry) -> PermitChange:
    """Add a permit, or update the one for its host keeping its status
    (suspend, revoke and activate change the status)."""
    rows = await store.upsert_permit(db, ids.next_id(), _new_permit(entry), keep_status=True)
    return _change("upsert", entry.host, rows)


async def store_entry(w: Writer, new_id: int, entry: PermitEntry) -> PermitChange:
    """Store an entry, status included, inside the caller's transaction; the
    change is named by what happened to the status (revoke, suspend,
    activate) or else create / update."""
    before, after = await store.put_permit(w, new_id, _new_permit(entry))
    change = _change("upsert", entry.host, (before, after))
    if before is not None and after is not None and before.status != after.status:
        return dataclasses.replace(change, action=_STATUS_ACTIONS[after.status])
    return change


async def import_permits(db: Database, ids: IdGenerator,
                         entries: list[PermitEntry]) -> list[PermitChange]:
    """Store validated entries, statuses included, in one transaction."""
    rows = await store.upsert_permits(db, [(ids.next_id(), _new_permit(e)) for e in entries])
    return [_change("upsert", e.host, r) for e, r in zip(entries, rows, strict=True)]


_STATUS_ACTIONS = {"active": "activate", "suspended": "suspend", "revoked": "revoke"}


async def change_status(db: Database, host: str, status: str, *,
                        note: str | None = None, source: str | None = None) -> PermitChange:
    """Suspend, revoke or (re)activate; raises PermitNotFoundError.

    With `source` (cli, admin-api), an entry a registry subscription
    managed becomes a local one: the admin's decision then wins over
    the subscription's (policy/registry_merge.py).
    """
    if status not in STATUSES:
        raise PermitError("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    clean = normalise_host(host)
    current = await store.get_permit(db, clean)
    local = source if current is not None and current.source.startswith(REGISTRY_SOURCE) else None
    rows = await store.set_permit_status(db, clean, status, note=note, source=local)
    if rows[0] is None:
        raise PermitNotFoundError(f"no permit for {clean} in the registry")
    return _change(_STATUS_ACTIONS[status], clean, rows)


async def remove_permit(db: Database, host: str) -> PermitChange:
    """Delete an entry: the host is then unlisted, so refused."""
    clean = normalise_host(host)
    rows = await store.delete_permit(db, clean)
    if rows[0] is None:
        raise PermitNotFoundError(f"no permit for {clean} in the registry")
    return _change("delete", clean, rows)
