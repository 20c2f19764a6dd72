"""config.toml, read once into frozen dataclasses.

Every key is declared here with its type; an unknown, missing or mistyped
key raises ConfigError naming the key and the file, which the command line
turns into one line and exit status 2. Relative paths are resolved against
the directory of the config file, so a node can be moved as a folder.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from node.i18n import LOCALES
from policy.permit_numbers import PermitNumberError, parse_permit_number
from policy.screening import PolicyError, parse_categories
from policy.screening.matchers import choose_engine
from storage.database import BACKENDS, Target, dsn_problem

PASSWORD_VARIABLE = "NODE_DATABASE_PASSWORD"
MAIL_PASSWORD_VARIABLE = "NODE_MAIL_PASSWORD"
MAIL_TLS = ("none", "starttls", "tls")


class ConfigError(Exception):
    def __init__(self, path: Path, key: str, message: str) -> None:
        super().__init__(f"{path}: {key}: {message}")
        self.path, self.key, self.message = path, key, message


@dataclass(frozen=True, slots=True)
class NodeSection:
    domain: str
    base_url: str
    name: str = "Permitted Node"
    description: str = ""
    contact_email: str = ""
    permit: str = ""
    data_dir: Path = Path("data")
    official_account: str = "official"
    # Shown to clients (GET /api/v1/instance/rules, instance v1/v2): the node's rules, in order.
    rules: tuple[str, ...] = ()
    # A text file with the terms of service (paragraphs split by blank lines), and the date they
    # took effect (default: the file's modification day); unset: GET .../terms_of_service is 404.
    terms_of_service: Path | None = None
    terms_of_service_date: dt.datetime | None = None
    # As Mastodon's admin settings: list peers and weekly activity (else 404); show the moderated
    # domains (hosts whose permit is suspended or revoked) to "all", only to signed-in "users",
    # or to nobody ("disabled": 404).
    peers_api: bool = True
    activity_api: bool = True
    show_domain_blocks: str = "disabled"
    default_locale: str = "zh-CN"  # pages' language when the browser names none we speak


@dataclass(frozen=True, slots=True)
class HttpSection:
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 1_048_576
    trust_forwarded: bool = False
    trusted_proxies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StorageSection:
    backend: str = "sqlite"  # or "postgresql"
    path: Path = Path("data/node.sqlite3")  # the SQLite file
    dsn: str = ""  # PostgreSQL: postgresql://user@host:port/db, never with a password
    pool_size: int = 4  # PostgreSQL reader connections per process
    media_dir: Path = Path("data/media")  # uploaded files, beside the database
    media_max_bytes: int = 10_485_760  # one upload; its own cap, far above [http] max_body_bytes

    def target(self, environ: Mapping[str, str] = os.environ) -> Target:
        """Where the data lives; a PostgreSQL password only from NODE_DATABASE_PASSWORD."""
        if self.backend == "postgresql":
            return Target("postgresql", dsn=self.dsn, password=environ.get(PASSWORD_VARIABLE) or None,
                          readers=self.pool_size)
        return Target("sqlite", path=self.path)


@dataclass(frozen=True, slots=True)
class RegistrationsSection:
    mode: str = "open"
    min_password_length: int = 8
    confirm_email: bool = False  # a new account signs in only once its address is confirmed


@dataclass(frozen=True, slots=True)
class SignInSection:
    """Password guessing and two-factor sign-in (issue #14)."""

    max_failures_per_account: int = 5
    max_failures_per_address: int = 20
    window_minutes: int = 15
    lockout_minutes: int = 15
    staff_two_factor: bool = False  # every admin and moderator must use TOTP


@dataclass(frozen=True, slots=True)
class MailSection:
    """Outgoing mail (issue #16); no host: messages are written as .eml files under data/mail/."""

    host: str = ""
    port: int = 587
    # `from` is a Python keyword: the TOML key is `from`, the field `from_`.
    from_: str = field(default="", metadata={"toml": "from"})
    tls: str = "starttls"  # none, starttls or tls (implicit TLS, usually port 465)
    username: str = ""

    def password(self, environ: Mapping[str, str] = os.environ) -> str | None:
        """The SMTP password, only ever from NODE_MAIL_PASSWORD."""
        return environ.get(MAIL_PASSWORD_VARIABLE) or None


@dataclass(frozen=True, slots=True)
class FederationSection:
    enabled: bool = True
    allow_private_addresses: bool = False
    require_declared_permit: bool = False
    secure_mode: bool = True
    permit_cache_seconds: int = 3600
    delivery_give_up_hours: int = 48
    links: str = "unlink"
    link_allow_hosts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AuthoritySection:
    id: str
    public_key: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class IdentitySection:
    required: bool = True
    key_file: Path = Path("data/identity.key")
    dev_authority_key: Path = Path("data/dev-authority.pem")
    trust_dev_authority: bool = False
    enforcement_started: dt.datetime | None = None
    grace_until: dt.datetime | None = None
    accounts_per_identity: int = 3
    reveal_needs_approval: bool = True  # a second staff member approves each reveal (articles 7(2), 7(4))
    retention_days: int = 180  # a deleted account's identity record is kept this long, then purged
    authorities: tuple[AuthoritySection, ...] = ()


@dataclass(frozen=True, slots=True)
class ScreeningSection:
    fold_traditional: bool = True
    engine: str = ""
    categories: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    node: NodeSection
    http: HttpSection = field(default_factory=HttpSection)
    storage: StorageSection = field(default_factory=StorageSection)
    registrations: RegistrationsSection = field(default_factory=RegistrationsSection)
    sign_in: SignInSection = field(default_factory=SignInSection)
    mail: MailSection = field(default_factory=MailSection)
    federation: FederationSection = field(default_factory=FederationSection)
    identity: IdentitySection = field(default_factory=IdentitySection)
    screening: ScreeningSection = field(default_factory=ScreeningSection)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def federation_on(self) -> bool:
        """Article 6: no federation until the node's own permit is set."""
        return self.federation.enabled and bool(self.node.permit)


MIN_PASSWORD_FLOOR = 8  # Mastodon's own minimum; a node may ask for more, never less

_SECTIONS = {f.name: f.type for f in dataclasses.fields(Config) if f.name != "path"}


def load_config(path: str | Path) -> Config:
    """Read and validate a config file; raises ConfigError."""
    path = Path(path).resolve()
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "(file)", f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(syntax)", str(exc)) from None
    hints = typing.get_type_hints(Config)
    sections: dict[str, Any] = {}
    for key in raw:
        if key not in _SECTIONS:
            raise ConfigError(path, key, f"unknown section (known: {', '.join(_SECTIONS)})")
    if "node" not in raw:
        raise ConfigError(path, "node", "missing section")
    for name in _SECTIONS:
        table = raw.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(path, name, "must be a table")
        sections[name] = _build(hints[name], table, name, path)
    config = Config(path=path, **sections)
    _check(config)
    return config


def _build(cls: type, table: dict[str, Any], prefix: str, path: Path) -> Any:
    hints = typing.get_type_hints(cls)
    # A field may name its TOML key (`metadata={"toml": ...}`) where the key is a Python keyword.
    known = {f.metadata.get("toml", f.name): f for f in dataclasses.fields(cls)}
    for key in table:
        if key not in known:
            raise ConfigError(path, f"{prefix}.{key}", "unknown key")
    values = {}
    for name, fld in known.items():
        key = f"{prefix}.{name}"
        if name not in table:
            if fld.default is dataclasses.MISSING and fld.default_factory is dataclasses.MISSING:
                raise ConfigError(path, key, "missing")
            if isinstance(fld.default, Path):
                # Default paths, like given ones, live beside the config file.
                values[fld.name] = (path.parent / fld.default).resolve()
            continue
        values[fld.name] = _coerce(hints[fld.name], table[name], key, path)
    return cls(**values)


def _coerce(hint: Any, value: Any, key: str, path: Path) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _coerce(inner[0], value, key, path)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise ConfigError(path, key, "must be a list")
        return tuple(_coerce(item, v, f"{key}[{i}]", path) for i, v in enumerate(value))
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise ConfigError(path, key, "must be a table")
        return _build(hint, value, key, path)
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(path, key, "must be a table")
        return value
    return _scalar(hint, value, key, path)


def _scalar(hint: Any, value: Any, key: str, path: Path) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(path, key, f"must be true or false, not {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(path, key, f"must be an integer, not {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(path, key, f"must be a string, not {value!r}")
        return value
    if hint is Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(path, key, "must be a path string")
        p = Path(value)
        return p if p.is_absolute() else (path.parent / p).resolve()
    if hint is dt.datetime:
        return _datetime(value, key, path)
    raise ConfigError(path, key, f"unsupported type {hint}")


def _datetime(value: Any, key: str, path: Path) -> dt.datetime:
    if isinstance(value, dt.datetime):
        stamp = value
    elif isinstance(value, dt.date):
        stamp = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ConfigError(path, key, f"not a date or time: {value!r}") from None
    else:
        raise ConfigError(path, key, "must be a date or date-time")
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def _check(config: Config) -> None:
    p = config.path
    node = config.node
    if not node.domain or "/" in node.domain or " " in node.domain:
        raise ConfigError(p, "node.domain", f"not a host name: {node.domain!r}")
    url = urlsplit(node.base_url)
    if url.scheme not in ("http", "https") or not url.netloc or url.path not in ("", "/"):
        raise ConfigError(p, "node.base_url", "must be an http(s) origin such as https://example.cn")
    if node.permit:
        try:
            parse_permit_number(node.permit)
        except PermitNumberError as exc:
            raise ConfigError(p, "node.permit", str(exc)) from None
    _check_node_texts(p, node)
    if node.default_locale not in LOCALES:
        raise ConfigError(p, "node.default_locale", f"must be one of {', '.join(LOCALES)}")
    if config.registrations.mode not in ("open", "approval", "closed"):
        raise ConfigError(p, "registrations.mode", "must be open, approval or closed")
    if not 1 <= config.http.port <= 65535:
        raise ConfigError(p, "http.port", "must be between 1 and 65535")
    if config.http.max_body_bytes < 1024:
        raise ConfigError(p, "http.max_body_bytes", "must be at least 1024")
    for i, cidr in enumerate(config.http.trusted_proxies):
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise ConfigError(p, f"http.trusted_proxies[{i}]", f"not an address or CIDR block: {cidr!r}") from None
    _check_storage(config)
    _check_mail(config)
    if config.registrations.min_password_length < MIN_PASSWORD_FLOOR:
        raise ConfigError(p, "registrations.min_password_length", f"must be at least {MIN_PASSWORD_FLOOR}")
    for key in ("max_failures_per_account", "max_failures_per_address", "window_minutes", "lockout_minutes"):
        if getattr(config.sign_in, key) < 1:
            raise ConfigError(p, f"sign_in.{key}", "must be at least 1")
    if config.identity.accounts_per_identity < 1:
        raise ConfigError(p, "identity.accounts_per_identity", "must be at least 1")
    if config.identity.retention_days < 0:
        raise ConfigError(p, "identity.retention_days", "must be 0 or more")
    if config.screening.engine:
        try:
            choose_engine(config.screening.engine)
        except ValueError as exc:
            raise ConfigError(p, "screening.engine", str(exc)) from None
    if config.federation.links not in ("unlink", "review", "reject"):
        raise ConfigError(p, "federation.links", "must be unlink, review or reject")
    try:
        parse_categories(list(config.screening.categories), config.base_dir, source=p)
    except PolicyError as exc:
        key, _, message = exc.message.partition(": ")
        raise ConfigError(p, key, message or exc.message) from None


def _check_storage(config: Config) -> None:
    p, storage = config.path, config.storage
    if storage.backend not in BACKENDS:
        raise ConfigError(p, "storage.backend", f"must be one of {', '.join(BACKENDS)}, not {storage.backend!r}")
    if storage.backend == "postgresql":
        if not storage.dsn:
            raise ConfigError(p, "storage.dsn", "missing: backend = \"postgresql\" needs a dsn such as"
                              " \"postgresql://node@localhost/node\"")
        problem = dsn_problem(storage.dsn)
        if problem:
            raise ConfigError(p, "storage.dsn", problem)
    elif storage.dsn:
        raise ConfigError(p, "storage.dsn", "only for backend = \"postgresql\"")
    if not 1 <= storage.pool_size <= 100:
        raise ConfigError(p, "storage.pool_size", "must be between 1 and 100")
    if storage.media_max_bytes < 1024:
        raise ConfigError(p, "storage.media_max_bytes", "must be at least 1024")


_MAIL_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def _check_mail(config: Config) -> None:
    p, mail = config.path, config.mail
    if mail.tls not in MAIL_TLS:
        raise ConfigError(p, "mail.tls", f"must be one of {', '.join(MAIL_TLS)}, not {mail.tls!r}")
    if not 1 <= mail.port <= 65535:
        raise ConfigError(p, "mail.port", "must be between 1 and 65535")
    if mail.from_ and not _MAIL_ADDRESS.match(mail.from_):
        raise ConfigError(p, "mail.from", f"not an e-mail address: {mail.from_!r}")
    if mail.host and not mail.from_:
        raise ConfigError(p, "mail.from", "missing: a [mail] host needs a sender address")
    if any(c in mail.host for c in " /@"):
        raise ConfigError(p, "mail.host", f"not a host name: {mail.host!r}")


MAX_RULE_LENGTH = 1000


def _check_node_texts(p: Path, node: NodeSection) -> None:
    for i, rule in enumerate(node.rules):
        if not rule.strip() or len(rule) > MAX_RULE_LENGTH:
            raise ConfigError(p, f"node.rules[{i}]", f"must be 1 to {MAX_RULE_LENGTH} characters")
    if node.terms_of_service is not None and not node.terms_of_service.is_file():
        raise ConfigError(p, "node.terms_of_service", f"no such file: {node.terms_of_service}")
    if node.show_domain_blocks not in ("disabled", "users", "all"):
        raise ConfigError(p, "node.show_domain_blocks", "must be disabled, users or all")
