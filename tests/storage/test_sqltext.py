"""One SQL text for both dialects: placeholders numbered for PostgreSQL, DDL types mapped."""

from __future__ import annotations

import pytest

from storage.database import dsn_problem, redact_dsn
from storage.sqltext import ddl_for_postgres, numbered, rows_insert


def test_positional_and_named_placeholders_are_numbered() -> None:
    q = numbered("SELECT * FROM t WHERE a = ? AND b > ? LIMIT ?")
    assert q.sql == "SELECT * FROM t WHERE a = $1 AND b > $2 LIMIT $3"
    assert q.params([1, 2, 3]) == [1, 2, 3]
    named = numbered("SELECT :viewer, x FROM t WHERE y = :viewer OR z = :now")
    assert named.sql == "SELECT $1, x FROM t WHERE y = $1 OR z = $2"
    assert named.params({"now": "n", "viewer": 7, "unused": 0}) == [7, "n"]


def test_quotes_comments_and_casts_are_left_alone() -> None:
    sql = ("SELECT 'a?b:c', \"odd?name\", x::text, 'it''s ?' -- why? :no\n"
           "FROM t /* ? :skip */ WHERE y = ?")
    q = numbered(sql)
    assert q.sql == sql.replace("WHERE y = ?", "WHERE y = $1")
    assert numbered("SELECT 'https://' || :host || '/%'").sql == "SELECT 'https://' || $1 || '/%'"


def test_mistakes_are_refused_not_guessed() -> None:
    with pytest.raises(ValueError):
        numbered("SELECT ? FROM t WHERE a = :a")
    with pytest.raises(TypeError):
        numbered("SELECT ?, ?").params([1])
    with pytest.raises(TypeError):
        numbered("SELECT :a").params([1])


def test_ddl_types_become_postgresql_ones() -> None:
    ddl = "CREATE TABLE t (id INTEGER PRIMARY KEY, f REAL, b BLOB, n integer) WITHOUT ROWID;"
    assert ddl_for_postgres(ddl) == ("CREATE TABLE t (id BIGINT PRIMARY KEY, f DOUBLE PRECISION, b BYTEA,"
                                     " n BIGINT);")


@pytest.mark.parametrize("dsn", ["postgresql://node:s3cret@db/node", "host=db password=s3cret dbname=node",
                                 "postgresql://node@db/node?password=s3cret"])
def test_a_password_in_a_dsn_is_refused_and_never_shown(dsn: str) -> None:
    assert "NODE_DATABASE_PASSWORD" in (dsn_problem(dsn) or "")
    assert "s3cret" not in redact_dsn(dsn)


def test_a_good_dsn_passes() -> None:
    assert dsn_problem("postgresql://node@db.example.cn:5432/node") is None
    assert dsn_problem("mysql://x") is not None


def test_plain_inserts_take_many_rows_in_one_statement() -> None:
    many = rows_insert("INSERT INTO t (a, b) VALUES (?, lower(?)) ON CONFLICT DO NOTHING")
    assert many is not None and many.width == 2
    assert many.statement(3) == ("INSERT INTO t (a, b) VALUES (?, lower(?)),(?, lower(?)),(?, lower(?))"
                                 " ON CONFLICT DO NOTHING")
    # Not when a row could be touched twice (DO UPDATE), nor a SELECT, an UPDATE or named placeholders
    for sql in ("INSERT INTO t (a) VALUES (?) ON CONFLICT (a) DO UPDATE SET a = excluded.a",
                "INSERT INTO t (a) SELECT ? FROM u", "UPDATE t SET a = ?", "INSERT INTO t (a) VALUES (:a)"):
        assert rows_insert(sql) is None, sql
