"""Numbered SQL migrations, applied in name order by `storage.database`."""

from __future__ import annotations

from importlib import resources


def load() -> list[tuple[str, str]]:
    """(name, sql) for every NNNN_*.sql file in this package, in order."""
    files = [f for f in resources.files(__name__).iterdir() if f.name.endswith(".sql")]
    return [(f.name.removesuffix(".sql"), f.read_text("utf-8")) for f in sorted(files, key=lambda f: f.name)]
