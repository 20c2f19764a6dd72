"""The SQLite backend: the embedded default, one file, one process.

One writer connection behind an asyncio lock (SQLite has a single writer
anyway; serialising in-process avoids SQLITE_BUSY storms), and a small pool
of reader connections that see committed data through WAL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from typing import Any

import aiosqlite

from storage import migrations
from storage.database import Database, Dialect, Params, StorageError, Target, Writer

logger = logging.getLogger(__name__)

SQLITE = Dialect(name="sqlite", several_processes=False, notifications=False)


def _greatest(*values: Any) -> Any:
    return None if any(v is None for v in values) else max(values)


def _least(*values: Any) -> Any:
    return None if any(v is None for v in values) else min(values)


def _lpad(text: Any, width: int, fill: str) -> str | None:
    """PostgreSQL's lpad for a one-character fill: pads on the left, truncates on the right."""
    return None if text is None else str(text).rjust(width, fill[:1] or " ")[:width]


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.execute("PRAGMA cache_size=-32000")
    # PostgreSQL's GREATEST, LEAST and lpad, so shared SQL can say them.
    conn.create_function("greatest", -1, _greatest, deterministic=True)
    conn.create_function("least", -1, _least, deterministic=True)
    conn.create_function("lpad", 3, _lpad, deterministic=True)


def _run(conn: sqlite3.Connection, sql: str, params: Params) -> int:
    return conn.execute(sql, params).rowcount


def _rollback_if_open(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _one(conn: sqlite3.Connection, sql: str, params: Params) -> sqlite3.Row | None:
    return conn.execute(sql, params).fetchone()


def _all(conn: sqlite3.Connection, sql: str, params: Params) -> list[sqlite3.Row]:
    return conn.execute(sql, params).fetchall()


async def _call(conn: aiosqlite.Connection, fn: Any, *args: Any) -> Any:
    """One trip to the connection's thread per statement (aiosqlite's cursor
    API costs two or three), which matters on the timeline and post paths."""
    return await conn._execute(fn, conn._conn, *args)  # type: ignore[attr-defined]


class SqliteWriter(Writer):
    dialect = SQLITE

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        return int(await _call(self._conn, _run, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._conn.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return await _call(self._conn, _one, sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await _call(self._conn, _all, sql, params)


class SqliteDatabase(Database):
    """SQLite in WAL mode: one serialised writer, pooled readers."""

    dialect = SQLITE

    def __init__(self, target: Target, readers: int = 2) -> None:
        assert target.path is not None
        self.target = target
        self.path = target.path
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
        try:
            self._writer = await self._connect()
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open {self.path}: {exc}") from None
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
        assert self._writer is not None
        async with self.write() as w:
            await w.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                            " name TEXT PRIMARY KEY, applied_at TEXT NOT NULL"
                            " DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))")
            done = {r["name"] for r in await w.fetchall("SELECT name FROM schema_migrations")}
        applied = []
        for m in migrations.load("sqlite"):
            if m.name in done:
                continue
            async with self._write_lock:
                await self._writer.executescript(
                    f"BEGIN IMMEDIATE;\n{m.shared}\n;\n{m.own}\n;"
                    f"INSERT INTO schema_migrations(name) VALUES ('{m.name}');\nCOMMIT;")
            logger.info("applied migration %s", m.name)
            applied.append(m.name)
        return applied

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Writer]:
        """A write transaction (BEGIN IMMEDIATE); commits on success."""
        assert self._writer is not None, "database is not open"
        async with self._write_lock:
            try:
                await _call(self._writer, _run, "BEGIN IMMEDIATE", ())
                yield SqliteWriter(self._writer)
            except BaseException:
                # Also when the task was cancelled while BEGIN was on its way:
                # the connection's thread ran it, so the transaction is open.
                await asyncio.shield(_call(self._writer, _rollback_if_open))
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
