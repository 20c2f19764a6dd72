"""The PostgreSQL backend: several processes, on one or more machines, one database.

psycopg 3 with two pools per process: one writer connection (write
transactions stay one at a time per process, as on SQLite, which keeps the
group commits of `storage.status_batch` and `storage.inbox` meaningful)
and a few autocommit readers. Every write transaction first takes one
transaction-scoped advisory lock, so write transactions are serialised
across all processes of the node: code that reads then writes inside
`db.write()` means the same on both backends. Readers never wait for it.

Values cross as SQLite's do: a Python bool is stored as 0/1 (flags are
INTEGER columns on both backends), `numeric` results (SUM of a BIGINT)
come back as int or float, and a boolean result (`EXISTS`, a comparison)
as 0/1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncRawCursor
from psycopg.adapt import Dumper, Loader
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from storage import migrations
from storage.database import Database, Dialect, Params, StorageError, Target, Writer
from storage.sqltext import ddl_for_postgres, numbered, rows_insert

logger = logging.getLogger(__name__)

POSTGRES = Dialect(name="postgresql", several_processes=True, notifications=True)

WRITE_LOCK = 0x6E6F6465  # "node": the advisory lock every write transaction takes
MIGRATE_LOCK = WRITE_LOCK + 1  # one migrating process at a time
_BEGIN_LOCKED = f"BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
CONNECT_TIMEOUT = 10.0
ROWS_PER_INSERT = 500  # rows per multi-row INSERT (executemany of a plain INSERT)
MAX_PARAMETERS = 65_535  # the wire protocol's limit per statement


class PgRow:
    """sqlite3.Row's interface over one result tuple (by index, by name, keys())."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: tuple[Any, ...]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            try:
                return self._values[self._index[key]]
            except KeyError:  # sqlite3.Row matches names case-insensitively; PostgreSQL folds to lower case
                return self._values[self._index[key.lower()]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)  # a repeated column name once, as the first of them answers

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PgRow) and self._values == other._values and self._index == other._index

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return f"PgRow({ {k: self._values[i] for k, i in self._index.items()}!r})"


def _row_factory(cursor: Any) -> Any:
    description = cursor.description or []
    index: dict[str, int] = {}
    for i, d in enumerate(description):
        index.setdefault(d.name, i)  # sqlite3.Row: a repeated name answers with the first column

    def make(values: Any) -> PgRow:
        return PgRow(index, tuple(values))

    return make


class _BoolAsIntDumper(Dumper):
    """True/False into INTEGER flag columns as 1/0 (as SQLite stores them)."""

    oid = psycopg.adapters.types["int8"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class _BoolAsIntLoader(Loader):
    def load(self, data: Any) -> int:
        return 1 if bytes(data) == b"t" else 0


class _NumericLoader(Loader):
    """`numeric` (SUM of a BIGINT, AVG) as int when whole, else float: JSON-ready, as in SQLite."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        try:
            return int(text)
        except ValueError:
            return float(text)


def _adapt(conn: AsyncConnection[Any]) -> None:
    conn.adapters.register_dumper(bool, _BoolAsIntDumper)
    conn.adapters.register_loader("bool", _BoolAsIntLoader)
    conn.adapters.register_loader("numeric", _NumericLoader)


class PgWriter(Writer):
    dialect = POSTGRES

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        q = numbered(sql)
        cur = await self._conn.execute(q.sql, q.params(params))
        return max(cur.rowcount, 0)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        many = rows_insert(sql)
        if many is None:
            q = numbered(sql)
            async with self._conn.cursor() as cur:
                await cur.executemany(q.sql, [q.params(r) for r in rows])
            return
        # One INSERT of many rows: psycopg's executemany costs a round of its
        # protocol per row, in this event loop.
        values = [tuple(r) for r in rows]  # type: ignore[arg-type]
        chunk = max(1, min(ROWS_PER_INSERT, MAX_PARAMETERS // max(many.width, 1)))
        for start in range(0, len(values), chunk):
            part = values[start:start + chunk]
            q = numbered(many.statement(len(part)))
            await self._conn.execute(q.sql, [v for row in part for v in row])

    async def fetchone(self, sql: str, params: Params = ()) -> PgRow | None:
        q = numbered(sql)
        cur = await self._conn.execute(q.sql, q.params(params))
        return await cur.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[PgRow]:
        q = numbered(sql)
        cur = await self._conn.execute(q.sql, q.params(params))
        return await cur.fetchall()


class PostgresDatabase(Database):
    dialect = POSTGRES

    def __init__(self, target: Target) -> None:
        self.target = target
        self._write_lock = asyncio.Lock()
        self._writer: AsyncConnectionPool | None = None
        self._readers: AsyncConnectionPool | None = None

    def _auth(self) -> dict[str, Any]:
        return {} if self.target.password is None else {"password": self.target.password}

    def _pool(self, size: int, name: str) -> AsyncConnectionPool:
        kwargs: dict[str, Any] = {"autocommit": True, "cursor_factory": AsyncRawCursor,
                                  "row_factory": _row_factory, "application_name": f"node {name}",
                                  **self._auth()}

        async def configure(conn: AsyncConnection[Any]) -> None:
            _adapt(conn)

        return AsyncConnectionPool(self.target.dsn, min_size=size, max_size=size, kwargs=kwargs,
                                   configure=configure, open=False, name=name, timeout=CONNECT_TIMEOUT)

    async def open(self, *, migrate: bool = True) -> None:
        # One plain connection first: a pool only says it timed out, libpq says why.
        try:
            probe = await AsyncConnection.connect(self.target.dsn, connect_timeout=int(CONNECT_TIMEOUT),
                                                  **self._auth())
        except psycopg.Error as exc:
            raise StorageError(f"cannot reach PostgreSQL at {self.target.describe()}: {_reason(exc)}") from None
        await probe.close()
        self._writer = self._pool(1, "writer")
        try:
            await self._writer.open(wait=True, timeout=CONNECT_TIMEOUT)
        except PoolTimeout as exc:
            await self._writer.close()
            self._writer = None
            raise StorageError(f"cannot reach PostgreSQL at {self.target.describe()}: {_reason(exc)}") from None
        if migrate:
            await self.migrate()
        self._readers = self._pool(self.target.readers, "readers")
        await self._readers.open(wait=True, timeout=CONNECT_TIMEOUT)

    async def close(self) -> None:
        for pool in (self._readers, self._writer):
            if pool is not None:
                await pool.close()
        self._readers = self._writer = None

    async def migrate(self) -> list[str]:
        assert self._writer is not None
        applied = []
        async with self._writer.connection() as conn:
            # Several processes may start at once: one applies, the others then find nothing to do.
            await conn.execute("SELECT pg_advisory_lock($1)", (MIGRATE_LOCK,))
            try:
                await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                                   " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT"
                                   " to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))")
                cur = await conn.execute("SELECT name FROM schema_migrations")
                done = {r[0] for r in await cur.fetchall()}
                for m in migrations.load("postgres"):
                    if m.name in done:
                        continue
                    async with conn.transaction():
                        for script in (ddl_for_postgres(m.shared), m.own):
                            if script.strip():
                                await conn.execute(script)
                        await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", (m.name,))
                    logger.info("applied migration %s", m.name)
                    applied.append(m.name)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", (MIGRATE_LOCK,))
        return applied

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Writer]:
        assert self._writer is not None, "database is not open"
        async with self._write_lock, self._writer.connection() as conn:
            # BEGIN and the lock in one round trip (a simple query): on a busy
            # machine each trip to the server is the cost that counts.
            await conn.execute(_BEGIN_LOCKED)
            try:
                yield PgWriter(conn)
            except BaseException:
                # Shielded: a cancelled task still ends its transaction (the pool
                # would roll back a connection returned mid-transaction anyway).
                await asyncio.shield(_rollback(conn))
                raise
            await conn.execute("COMMIT")

    async def fetchone(self, sql: str, params: Params = ()) -> PgRow | None:
        assert self._readers is not None, "database is not open"
        q = numbered(sql)
        async with self._readers.connection() as conn:
            cur = await conn.execute(q.sql, q.params(params))
            return await cur.fetchone()

    async def fetchall(self, sql: str, params: Params = ()) -> list[PgRow]:
        assert self._readers is not None, "database is not open"
        q = numbered(sql)
        async with self._readers.connection() as conn:
            cur = await conn.execute(q.sql, q.params(params))
            return await cur.fetchall()

    async def notify(self, channel: str, payloads: Sequence[str]) -> None:
        assert self._readers is not None, "database is not open"
        # One statement, one transaction: delivered in order (WITH ORDINALITY
        # keeps it), and a burst costs one round trip rather than one each.
        # PostgreSQL folds identical payloads of one transaction into one,
        # which for these events (ids and counts) is the same news twice.
        async with self._readers.connection() as conn:
            await conn.execute("SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n",
                               (channel, list(payloads)))

    @contextlib.asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[AsyncIterator[str]]:  # type: ignore[override]
        if not channel.isidentifier():
            raise ValueError(f"not a channel name: {channel!r}")
        async with self.session() as conn:
            await conn.execute(f"LISTEN {channel}")
            yield (note.payload async for note in conn.notifies())

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A connection of its own, outside the pools (LISTEN, bulk copies)."""
        conn = await AsyncConnection.connect(self.target.dsn, autocommit=True, **self._auth())
        _adapt(conn)
        try:
            yield conn
        finally:
            await conn.close()


async def _rollback(conn: AsyncConnection[Any]) -> None:
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE and not conn.closed:
        await conn.execute("ROLLBACK")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

