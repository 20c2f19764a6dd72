"""The one storage interface, and the factory that picks its backend.

Everything above `storage/` speaks plain parameterised SQL (`?` or
`:name` placeholders) through `Database` and, inside a write transaction,
`Writer`. Two backends implement them: `storage.sqlite` (the embedded
default: one file, one writer, pooled readers) and `storage.postgres`
(several processes on one PostgreSQL). What differs between the two SQL
dialects is named once, in `Dialect`, as Synapse's engines do; the SQL text
in the modules above is written once for both.

Both backends give write transactions the same meaning: one at a time for
the whole node (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL a transaction-
scoped advisory lock taken first), so a read-then-write inside
`db.write()` never races another process.
"""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

Params = Sequence[Any] | dict[str, Any]

BACKENDS = ("sqlite", "postgresql")


class StorageError(Exception):
    """The database could not be opened, reached or migrated."""


class Row(Protocol):
    """A result row: by position, by column name, and `keys()` (sqlite3.Row's interface)."""

    def __getitem__(self, key: int | str) -> Any: ...

    def keys(self) -> list[str]: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """Each difference between the SQL dialects that code above storage/ may meet."""

    name: str  # "sqlite" or "postgresql"
    # Several processes may hold writer connections at once (PostgreSQL):
    # work handed out by rows must be claimed with `FOR UPDATE SKIP LOCKED` or leases.
    several_processes: bool
    # Cross-process notifications (`LISTEN`/`NOTIFY`) are available.
    notifications: bool


@dataclass(frozen=True, slots=True)
class Target:
    """Where a node's data lives: a SQLite file, or a PostgreSQL database.

    `password` comes from the environment (NODE_DATABASE_PASSWORD), never
    from config.toml; it is kept out of `repr` so it is never logged.
    """

    backend: str = "sqlite"
    path: Path | None = None
    dsn: str = ""
    password: str | None = None
    readers: int = 4

    def __repr__(self) -> str:
        where = self.path if self.backend == "sqlite" else redact_dsn(self.dsn)
        return f"Target({self.backend}: {where})"

    def describe(self) -> str:
        return str(self.path) if self.backend == "sqlite" else redact_dsn(self.dsn)


def redact_dsn(dsn: str) -> str:
    """A DSN without any password, fit for a message or a log."""
    if "://" in dsn:
        parts = urllib.parse.urlsplit(dsn)
        if parts.password is not None:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
            dsn = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if any(k == "password" for k, _ in query):
            safe = urllib.parse.urlencode([(k, "***" if k == "password" else v) for k, v in query])
            dsn = urllib.parse.urlunsplit(urllib.parse.urlsplit(dsn)._replace(query=safe))
        return dsn
    return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", dsn)


def dsn_problem(dsn: str) -> str | None:
    """Why a PostgreSQL DSN is refused, or None. A password never belongs in
    config.toml (it would live on in the file's history): NODE_DATABASE_PASSWORD,
    ~/.pgpass or PGPASSWORD carry it."""
    if "://" in dsn:
        parts = urllib.parse.urlsplit(dsn)
        if parts.scheme not in ("postgresql", "postgres"):
            return f"must start with postgresql://, not {parts.scheme}://"
        try:
            password = parts.password
            query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        except ValueError as exc:
            return f"not a connection URL: {exc}"
        has_password = password is not None or "password" in query
    else:
        pairs = re.findall(r"(\w+)\s*=", dsn)
        if not pairs:
            return "not a connection URL (postgresql://user@host/db) or key=value string"
        has_password = "password" in pairs
    if has_password:
        return "holds a password: set NODE_DATABASE_PASSWORD (or use ~/.pgpass) instead"
    return None


class Reads(ABC):
    """Queries: what a Database (pooled readers) and a Writer (inside its transaction) both answer."""

    @abstractmethod
    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]


class Writer(Reads):
    """The writer inside a transaction; only `Database.write()` makes one."""

    dialect: Dialect

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""

    async def rowcount(self, sql: str, params: Params = ()) -> int:
        return await self.execute(sql, params)

    @abstractmethod
    async def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...



class Database(Reads):
    """A node's database: pooled reads, and one write transaction at a time."""

    dialect: Dialect
    target: Target

    @abstractmethod
    async def open(self, *, migrate: bool = True) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied."""

    @abstractmethod
    def write(self) -> contextlib.AbstractAsyncContextManager[Writer]:
        """A write transaction; commits on success, rolls back on an exception."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own write transaction; the rows it changed."""
        async with self.write() as w:
            return await w.execute(sql, params)

    async def notify(self, channel: str, payloads: Sequence[str]) -> None:
        """Tell every process listening on `channel` (when `dialect.notifications`)
        each of `payloads`, in order, in one round trip."""
        raise StorageError(f"{self.dialect.name} carries no notifications between processes")

    def listen(self, channel: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[str]]:
        """Listening on `channel` (when `dialect.notifications`): inside the
        context, the payloads sent to it from then on, from any process."""
        raise StorageError(f"{self.dialect.name} carries no notifications between processes")

    async def applied_migrations(self) -> list[str]:
        return [r[0] for r in await self.fetchall("SELECT name FROM schema_migrations ORDER BY name")]


def make_database(target: Target | Path) -> Database:
    """The backend for `target` (a Path is a SQLite file), not yet open."""
    if isinstance(target, Path):
        target = Target("sqlite", path=target)
    if target.backend == "sqlite":
        from storage.sqlite import SqliteDatabase  # each backend's driver is imported only when used
        assert target.path is not None
        return SqliteDatabase(target)
    if target.backend == "postgresql":
        from storage.postgres import PostgresDatabase
        return PostgresDatabase(target)
    raise StorageError(f"unknown storage backend {target.backend!r} (expected one of {', '.join(BACKENDS)})")


INITIALISED = "node.initialised_at"  # the node_settings row `init` writes last


async def node_exists(target: Target | Path) -> bool:
    """Whether a node is there already: its SQLite file, or on PostgreSQL
    the row `init` writes last (a database with only the schema, say after
    an interrupted `init`, is not a node yet)."""
    if isinstance(target, Path) or target.backend == "sqlite":
        path = target if isinstance(target, Path) else target.path
        assert path is not None
        return path.exists()
    db = make_database(target)
    await db.open(migrate=False)
    try:
        if not await db.fetchval("SELECT count(*) FROM information_schema.tables"
                                 " WHERE table_schema = current_schema() AND table_name = 'node_settings'"):
            return False
        return await db.fetchval("SELECT count(*) FROM node_settings WHERE key = ?", (INITIALISED,)) > 0
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def open_database(target: Target | Path, *, migrate: bool = True) -> AsyncIterator[Database]:
    db = make_database(target)
    await db.open(migrate=migrate)
    try:
        yield db
    finally:
        await db.close()
