"""Shared SQL text, made PostgreSQL's: placeholders and DDL type names.

The modules above storage/ write `?` (positional) or `:name` (named)
placeholders, which SQLite takes as they are. PostgreSQL's wire protocol
numbers them (`$1`, `$2`, ...); `numbered` rewrites a statement once
(cached: statements are constants or a few f-string shapes) and says how
to order the parameters. Quoted strings, quoted identifiers, comments and
`::` casts are left alone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_NAME_START = re.compile(r"[A-Za-z_]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Numbered:
    sql: str
    names: tuple[str, ...] | None  # named placeholders in $-number order; None for positional
    count: int

    def params(self, given: Sequence[Any] | Mapping[str, Any]) -> Sequence[Any]:
        if self.names is None:
            if isinstance(given, Mapping):
                raise TypeError("positional placeholders (?) given named parameters")
            if len(given) != self.count:
                raise TypeError(f"statement has {self.count} placeholders, {len(given)} parameters given")
            return given
        if not isinstance(given, Mapping):
            raise TypeError("named placeholders (:name) given positional parameters")
        return [given[n] for n in self.names]


@functools.lru_cache(maxsize=4096)
def numbered(sql: str) -> Numbered:
    out: list[str] = []
    names: dict[str, int] = {}
    positional = 0
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            end = _quoted_end(sql, i, c)
            out.append(sql[i:end])
            i = end
        elif c == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif c == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif c == "?":
            positional += 1
            out.append(f"${positional}")
            i += 1
        elif c == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif c == ":" and i + 1 < n and _NAME_START.match(sql, i + 1):
            name = _NAME.match(sql, i + 1).group(0)  # type: ignore[union-attr]
            number = names.setdefault(name, len(names) + 1)
            out.append(f"${number}")
            i += 1 + len(name)
        else:
            out.append(c)
            i += 1
    if positional and names:
        raise ValueError("a statement mixes ? and :name placeholders")
    if names:
        return Numbered("".join(out), tuple(names), len(names))
    return Numbered("".join(out), None, positional)


def _quoted_end(sql: str, start: int, quote: str) -> int:
    """The index after a quoted string or identifier (doubled quotes escape)."""
    i = start + 1
    while True:
        j = sql.find(quote, i)
        if j < 0:
            return len(sql)
        if j + 1 < len(sql) and sql[j + 1] == quote:
            i = j + 2
            continue
        return j + 1


_DDL_TYPES = [
    # SQLite's INTEGER is 64-bit; PostgreSQL's is 32. Ids here are 57-bit.
    (re.compile(r"\bINTEGER\b", re.IGNORECASE), "BIGINT"),
    (re.compile(r"\bREAL\b", re.IGNORECASE), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.IGNORECASE), "BYTEA"),
    (re.compile(r"\)\s*WITHOUT\s+ROWID", re.IGNORECASE), ")"),
]


def ddl_for_postgres(sql: str) -> str:
    """A shared migration's DDL with SQLite's type names made PostgreSQL's."""
    for pattern, replacement in _DDL_TYPES:
        sql = pattern.sub(replacement, sql)
    return sql


_INSERT_VALUES = re.compile(r"\s*INSERT\s+INTO\s", re.IGNORECASE)
_VALUES_WORD = re.compile(r"\bVALUES\s*\(", re.IGNORECASE)
_SAFE_TAIL = re.compile(r"\s*(ON\s+CONFLICT\b[^;]*\bDO\s+NOTHING)?\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RowsInsert:
    """An `INSERT ... VALUES (row)` statement split so that many rows go in one."""

    head: str  # up to and including VALUES
    row: str  # "(?, ?, ...)"
    tail: str  # "" or "ON CONFLICT ... DO NOTHING"
    width: int  # placeholders per row

    def statement(self, rows: int) -> str:
        return f"{self.head} {','.join([self.row] * rows)}{self.tail}"


@functools.lru_cache(maxsize=1024)
def rows_insert(sql: str) -> RowsInsert | None:
    """The statement as a many-rows insert, or None when it is not one that
    can be (a SELECT, positional placeholders only, or ON CONFLICT DO UPDATE,
    which may not touch one row twice in a statement)."""
    if not _INSERT_VALUES.match(sql) or ":" in sql.replace("::", ""):
        return None
    found = _VALUES_WORD.search(sql)
    if found is None:
        return None
    start = found.end() - 1
    depth, i = 0, start
    while i < len(sql):
        c = sql[i]
        if c in ("'", '"'):
            i = _quoted_end(sql, i, c)
            continue
        depth += c == "("
        depth -= c == ")"
        i += 1
        if depth == 0:
            break
    row, tail = sql[start:i], sql[i:]
    if depth != 0 or not _SAFE_TAIL.fullmatch(tail):
        return None
    return RowsInsert(sql[:start].rstrip(), row, tail.rstrip() and " " + tail.strip(), numbered(row).count)
