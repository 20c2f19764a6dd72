"""The one place that opens SQLite.

One writer connection behind an asyncio lock (SQLite has a single writer
anyway; serialising in-process avoids SQLITE_BUSY storms), and a small pool
of reader connections that see committed data through WAL. Everything above
this module speaks plain parameterised SQL through `Database`, so a
PostgreSQL backend can implement the same methods.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from storage import migrations

logger = logging.getLogger(__name__)

Params = Sequence[Any] | dict[str, Any]


class StorageError(Exception):
    """The database could not be opened or migrated."""


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-32000")


def _run(conn: sqlite3.Connection, sql: str, params: Params) -> tuple[int, int]:
    cur = conn.execute(sql, params)
    return int(cur.lastrowid or 0), cur.rowcount


def _one(conn: sqlite3.Connection, sql: str, params: Params) -> sqlite3.Row | None:
    return conn.execute(sql, params).fetchone()


def _all(conn: sqlite3.Connection, sql: str, params: Params) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


async def _call(conn: aiosqlite.Connection, fn: Any, *args: Any) -> Any:
    """One trip to the connection's thread per statement (aiosqlite's cursor
    API costs two or three), which matters on the timeline and post paths."""
    return await conn._execute(fn, conn._conn, *args)  # type: ignore[attr-defined]


class Writer:
    """The writer inside a transaction; only `Database.write()` makes one."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns lastrowid for INSERTs, else rowcount."""
        lastrowid, rowcount = await _call(self._conn, _run, sql, params)
        return lastrowid if sql.lstrip()[:6].upper() == "INSERT" else rowcount

    async def rowcount(self, sql: str, params: Params = ()) -> int:
        return (await _call(self._conn, _run, sql, params))[1]

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return await _call(self._conn, _one, sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await _call(self._conn, _all, sql, params)


class Database:
    """SQLite in WAL mode: one serialised writer, pooled readers."""

    def __init__(self, path: Path, readers: int = 2) -> None:
        self.path = path
        self._reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        await conn._execute(_configure, conn._conn)  # type: ignore[attr-defined]
        return conn

    async def open(self, *, migrate: bool = True) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        if migrate:
            await self.migrate()
        for _ in range(self._reader_count):
            conn = await self._connect()
            self._all_readers.append(conn)
            self._readers.put_nowait(conn)

    async def close(self) -> None:
        for conn in self._all_readers:
            await conn.close()
        self._all_readers.clear()
        if self._writer is not None:
            await self._writer.close()
            self._writer = None

    async def migrate(self) -> list[str]:
        """Apply pending numbered migrations; returns the names applied."""
        assert self._writer is not None
        async with self.write() as w:
            await w.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL"
                " DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"
            )
            done = {r["name"] for r in await w.fetchall("SELECT name FROM schema_migrations")}
        applied = []
        for name, sql in migrations.load():
            if name in done:
                continue
            async with self._write_lock:
                await self._writer.executescript(f"BEGIN IMMEDIATE;\n{sql}\n;"
                    f"INSERT INTO schema_migrations(name) VALUES ('{name}');\nCOMMIT;")
            logger.info("applied migration %s", name)
            applied.append(name)
        return applied

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Writer]:
        """A write transaction (BEGIN IMMEDIATE); commits on success."""
        assert self._writer is not None, "database is not open"
        async with self._write_lock:
            await _call(self._writer, _run, "BEGIN IMMEDIATE", ())
            try:
                yield Writer(self._writer)
            except BaseException:
                await _call(self._writer, _run, "ROLLBACK", ())
                raise
            else:
                await _call(self._writer, _run, "COMMIT", ())

    @contextlib.asynccontextmanager
    async def _reader(self) -> AsyncIterator[aiosqlite.Connection]:
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            self._readers.put_nowait(conn)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._reader() as conn:
            return await _call(conn, _one, sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._reader() as conn:
            return await _call(conn, _all, sql, params)

    async def fetchval(self, sql: str, params: Params = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    async def execute(self, sql: str, params: Params = ()) -> int:
        """One statement in its own write transaction."""
        async with self.write() as w:
            return await w.execute(sql, params)


@contextlib.asynccontextmanager
async def open_database(path: Path, *, migrate: bool = True) -> AsyncIterator[Database]:
    db = Database(path)
    await db.open(migrate=migrate)
    try:
        yield db
    finally:
        await db.close()
