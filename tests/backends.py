"""Which storage backend the running test's nodes use (set by conftest's
autouse fixture; read by `write_config`). One test runs at a time, and a
node started in a thread (NodeThread) reads the same value."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg

from storage.database import Target
from tests.pgcluster import PgCluster

NAMES = ("sqlite", "postgresql")


class _Current:
    cluster: PgCluster | None = None
    databases: dict[Path, Target] = {}


def use(cluster: PgCluster | None) -> None:
    _Current.cluster = cluster
    _Current.databases = {}


def target_for(path: Path) -> Target | Path:
    """Where a test's database lives: the SQLite file at `path`, or on
    PostgreSQL a database of its own, the same one each time `path` is
    named in this test (so a test can close and reopen it)."""
    if _Current.cluster is None:
        return path
    if path not in _Current.databases:
        _Current.databases[path] = Target("postgresql", dsn=_Current.cluster.new_database())
    return _Current.databases[path]


def cluster() -> PgCluster | None:
    return _Current.cluster


def storage_lines() -> str:
    """The `[storage]` lines for a new node: none for SQLite (the default), or
    a fresh PostgreSQL database of the session's cluster."""
    if _Current.cluster is None:
        return ""
    return f'backend = "postgresql"\ndsn = "{_Current.cluster.new_database()}"'


class RawSqlError(Exception):
    """A statement the database itself refused (a trigger, a constraint)."""


def raw_sql(target: Target | Path, *statements: str, drop_audit_triggers: bool = False) -> list[tuple]:
    """Run statements straight on the database, bypassing the node, as someone
    with access to the file or the server would; the last one's rows."""
    rows: list[tuple] = []
    if isinstance(target, Path) or target.backend == "sqlite":
        conn = sqlite3.connect(target if isinstance(target, Path) else target.path)
        try:
            if drop_audit_triggers:
                conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
                conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
            for statement in statements:
                try:
                    rows = conn.execute(statement).fetchall()
                except sqlite3.DatabaseError as exc:
                    raise RawSqlError(str(exc)) from None
            conn.commit()
        finally:
            conn.close()
        return rows
    with psycopg.connect(target.dsn, autocommit=True) as conn:
        if drop_audit_triggers:
            conn.execute("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log")
            conn.execute("DROP TRIGGER IF EXISTS audit_log_no_delete ON audit_log")
        for statement in statements:
            try:
                cur = conn.execute(statement)
            except psycopg.Error as exc:
                raise RawSqlError(str(exc)) from None
            rows = cur.fetchall() if cur.description else []
    return rows


def stored_bytes(target: Target | Path) -> bytes:
    """Everything a node's database holds, as bytes to search: the SQLite
    file and its WAL, or on PostgreSQL every row of every table as JSON text
    (what a dump of the database would carry)."""
    if isinstance(target, Path) or target.backend == "sqlite":
        path = target if isinstance(target, Path) else target.path
        assert path is not None
        files = sorted(path.parent.glob(path.name + "*"))
        assert files, f"no database at {path}"
        return b"".join(p.read_bytes() for p in files)
    with psycopg.connect(target.dsn, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        assert tables, f"no tables at {target.dsn}"
        chunks = []
        for table in tables:
            for (text,) in conn.execute(f'SELECT row_to_json(t)::text FROM "{table}" t'):
                chunks.append(text.encode())
    return b"\n".join(chunks)
