"""Turning result rows into frozen dataclasses, one helper for every table."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from storage.database import Database, Row, Writer

T = TypeVar("T")

_FIELDS: dict[type, tuple[str, ...]] = {}


def to_row(cls: type[T], row: Row | None) -> T | None:
    if row is None:
        return None
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        _FIELDS[cls] = names
    keys = set(row.keys())
    return cls(**{n: row[n] for n in names if n in keys})


def to_rows(cls: type[T], rows: list[Row]) -> list[T]:
    return [to_row(cls, r) for r in rows]  # type: ignore[misc]


def placeholders(values: Any) -> str:
    return ",".join("?" * len(values))


async def rows_by_status(db: Database | Writer, cls: type[T], table: str,
                         status_ids: Sequence[int]) -> dict[int, T]:
    """The rows of `table` (one per status) for these statuses, by status id, in one query."""
    unique = list(dict.fromkeys(status_ids))
    if not unique:
        return {}
    rows = to_rows(cls, await db.fetchall(
        f"SELECT * FROM {table} WHERE status_id IN ({placeholders(unique)})", unique))
    return {r.status_id: r for r in rows}  # type: ignore[attr-defined]


VALUES_CHUNK = 500  # rows per statement: well under SQLite's 32,766 parameters at 15 columns


async def execute_values(w: Writer, sql: str, rows: Sequence[Sequence[Any]], template: str = "") -> None:
    """`sql` with `{values}` replaced by one `(?,...)` per row (`template`, by
    default one placeholder per column): a statement for up to VALUES_CHUNK
    rows. On PostgreSQL `executemany` costs a round of the protocol per row;
    on SQLite the two cost about the same."""
    if not rows:
        return
    template = template or f"({placeholders(rows[0])})"
    for start in range(0, len(rows), VALUES_CHUNK):
        chunk = rows[start:start + VALUES_CHUNK]
        await w.execute(sql.format(values=",".join([template] * len(chunk))), [v for row in chunk for v in row])
