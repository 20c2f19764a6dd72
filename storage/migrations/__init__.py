"""Numbered SQL migrations, applied in name order by each backend.

`NNNN_name.sql` is shared by both dialects (portable DDL; the PostgreSQL
backend maps SQLite's type names, see `storage.postgres.ddl`). Where the
dialects really differ (SQLite's FTS5 table and triggers, PostgreSQL's
tsvector and trigger functions), `NNNN_name.sqlite.sql` and
`NNNN_name.postgres.sql` hold that dialect's part, run right after the
shared file as the same migration. So a migration's name, and the record
of it in `schema_migrations`, is the same on both backends.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

DIALECTS = ("sqlite", "postgres")


@dataclass(frozen=True, slots=True)
class Migration:
    name: str
    shared: str  # portable SQL, may be ""
    own: str  # this dialect's part, may be ""


def load(dialect: str) -> list[Migration]:
    """Every migration for `dialect` ("sqlite" or "postgres"), in name order."""
    assert dialect in DIALECTS
    shared: dict[str, str] = {}
    own: dict[str, str] = {}
    for f in resources.files(__name__).iterdir():
        if not f.name.endswith(".sql"):
            continue
        stem = f.name.removesuffix(".sql")
        base, _, suffix = stem.partition(".")
        if not suffix:
            shared[base] = f.read_text("utf-8")
        elif suffix == dialect:
            own[base] = f.read_text("utf-8")
        elif suffix not in DIALECTS:
            raise ValueError(f"migration {f.name}: unknown dialect {suffix!r}")
    names = sorted(set(shared) | set(own))
    return [Migration(n, shared.get(n, ""), own.get(n, "")) for n in names]
