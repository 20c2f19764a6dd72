"""Carrying a SQLite node's data over to PostgreSQL (`python -m node db migrate`).

As Synapse's `synapse_port_db`: the target gets the schema by its own
migrations, then every table is copied row by row from one consistent
snapshot of the source (a read transaction, so the node may keep serving
while it runs), parents before children, in batches. Values keep their
bytes: encrypted identities stay encrypted, the audit log's hash chain
still verifies. The full-text index is copied as its words (SQLite's FTS5
rows become tsvectors of the same lexemes). A target that already holds
data is refused, so running the command twice cannot double anything.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage import migrations
from storage.database import Database, StorageError

BATCH = 1000
_SKIPPED = ("schema_migrations", "statuses_fts")  # the target has its own; the index is copied apart


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    copied: int


class Snapshot:
    """A read transaction on the source file: every table as of one moment."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise StorageError(f"no SQLite database at {path}")
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        self.conn.execute("BEGIN")
        self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot starts here

    def close(self) -> None:
        self.conn.rollback()
        self.conn.close()

    def applied(self) -> set[str]:
        try:
            return {r[0] for r in self.conn.execute("SELECT name FROM schema_migrations")}
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"not a node's database: {exc}") from None

    def tables(self) -> list[str]:
        rows = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                                 " AND name NOT LIKE 'statuses_fts%'")
        return [r[0] for r in rows]

    def columns(self, table: str) -> list[str]:
        return [r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')]

    def count(self, table: str) -> int:
        return int(self.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])

    def rows(self, table: str, columns: Sequence[str]) -> Iterator[list[tuple[Any, ...]]]:
        names = ", ".join(f'"{c}"' for c in columns)
        ddl = self.conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        order = "" if "WITHOUT ROWID" in ddl.upper() else " ORDER BY rowid"  # the order rows were written in
        cursor = self.conn.execute(f'SELECT {names} FROM "{table}"{order}')
        while batch := cursor.fetchmany(BATCH):
            yield batch

    def index_rows(self) -> Iterator[list[tuple[Any, ...]]]:
        cursor = self.conn.execute("SELECT rowid, tokens FROM statuses_fts ORDER BY rowid")
        while batch := cursor.fetchmany(BATCH):
            yield batch


async def _target_tables(db: Database) -> dict[str, dict[str, str]]:
    """Each target table's columns and their types."""
    rows = await db.fetchall("SELECT table_name, column_name, data_type FROM information_schema.columns"
                             " WHERE table_schema = current_schema()")
    tables: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        tables.setdefault(table, {})[column] = kind
    return tables


async def _parents_first(db: Database, tables: Sequence[str]) -> list[str]:
    """Tables ordered so every foreign key's target is copied before it."""
    rows = await db.fetchall(
        "SELECT DISTINCT child.relname, parent.relname FROM pg_constraint c"
        " JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid"
        " JOIN pg_namespace n ON n.oid = child.relnamespace"
        " WHERE c.contype = 'f' AND n.nspname = current_schema()")
    needs = {t: set() for t in tables}
    for child, parent in rows:
        if child in needs and parent in needs and child != parent:
            needs[child].add(parent)
    ordered: list[str] = []
    while needs:
        ready = sorted(t for t, parents in needs.items() if not parents - set(ordered))
        if not ready:
            raise StorageError(f"foreign keys form a cycle among {sorted(needs)}")
        ordered.extend(ready)
        for t in ready:
            del needs[t]
    return ordered


def _fit(value: Any, kind: str) -> Any:
    """A value SQLite stored loosely, in the target column's type."""
    if value is None:
        return None
    if kind == "text" and not isinstance(value, str):
        return str(value)
    if kind == "bigint" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


async def refuse_unless_empty(db: Database) -> None:
    for table in ("accounts", "statuses", "audit_log", "node_settings"):
        if await db.fetchval(f"SELECT count(*) FROM {table}"):
            raise StorageError(f"the target database already holds a node ({table} has rows): refusing to copy"
                               " over it; give an empty database")


async def copy_node(source: Path, target: Database) -> list[TableCount]:
    """Copy every table of the SQLite node at `source` into `target` (migrated, empty)."""
    snapshot = Snapshot(source)
    try:
        missing = {m.name for m in migrations.load("sqlite")} - snapshot.applied()
        if missing:
            raise StorageError(f"the source lacks migrations {', '.join(sorted(missing))}: serve it once with"
                               " this version (or run any command on it) first")
        await refuse_unless_empty(target)
        wanted = await _target_tables(target)
        tables = [t for t in snapshot.tables() if t not in _SKIPPED]
        unknown = [t for t in tables if t not in wanted]
        if unknown:
            raise StorageError(f"tables the target schema lacks: {', '.join(unknown)}")
        ordered = await _parents_first(target, tables)
        async with target.write() as w:  # rows the target's own migrations seeded (counters): the source's win
            for table in reversed(ordered):
                await w.execute(f'DELETE FROM "{table}"')
        counts = [await _copy_table(snapshot, target, table, wanted[table]) for table in ordered]
        counts.append(await _copy_index(snapshot, target))
        return counts
    finally:
        snapshot.close()


async def _copy_table(snapshot: Snapshot, target: Database, table: str, kinds: dict[str, str]) -> TableCount:
    columns = [c for c in snapshot.columns(table) if c in kinds]
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})'
    copied = 0
    for batch in snapshot.rows(table, columns):
        fitted = [tuple(_fit(v, kinds[c]) for v, c in zip(row, columns, strict=True)) for row in batch]
        async with target.write() as w:
            await w.executemany(sql, fitted)
        copied += len(fitted)
    return TableCount(table, snapshot.count(table), copied)


async def _copy_index(snapshot: Snapshot, target: Database) -> TableCount:
    copied = 0
    for batch in snapshot.index_rows():
        rows = [(int(status_id), sorted(set(str(tokens).split()))) for status_id, tokens in batch]
        async with target.write() as w:
            await w.executemany("INSERT INTO statuses_fts (status_id, tokens)"
                                " VALUES (?, array_to_tsvector(?::text[]))", rows)
        copied += len(rows)
    source = int(snapshot.conn.execute("SELECT count(*) FROM statuses_fts").fetchone()[0])
    return TableCount("statuses_fts", source, copied)
