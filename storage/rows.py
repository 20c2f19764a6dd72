"""Turning sqlite3.Row into frozen dataclasses, one helper for every table."""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any, TypeVar

T = TypeVar("T")

_FIELDS: dict[type, tuple[str, ...]] = {}


def to_row(cls: type[T], row: sqlite3.Row | None) -> T | None:
    if row is None:
        return None
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        _FIELDS[cls] = names
    keys = set(row.keys())
    return cls(**{n: row[n] for n in names if n in keys})


def to_rows(cls: type[T], rows: list[sqlite3.Row]) -> list[T]:
    return [to_row(cls, r) for r in rows]  # type: ignore[misc]


def placeholders(values: Any) -> str:
    return ",".join("?" * len(values))
