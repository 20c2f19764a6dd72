"""Screening categories as the node admin configures them (article 10).

`parse_categories` validates the `[[screening.categories]]` tables of
config.toml. TOML gives no line numbers once parsed, so an error names
the key instead: `screening.categories[2].action`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy.screening.decision import CATEGORY_ACTIONS
from policy.screening.errors import PolicyError

MODES = ("enforce", "shadow")
_KEYS = frozenset({"name", "action", "lists", "exemptions", "mode", "description"})
# Names end up in rule ids, audit rows and 422 bodies: keep them plain.
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclass(frozen=True, slots=True)
class CategoryConfig:
    name: str
    action: str  # reject | review | sensitive | flag
    lists: tuple[Path, ...]  # absolute, resolved against the config's folder
    exemptions: tuple[str, ...] = ()
    mode: str = "enforce"  # enforce | shadow
    description: str = ""


def parse_categories(raw: Sequence[Mapping[str, Any]], base_dir: Path, *,
                     source: Path | None = None) -> tuple[CategoryConfig, ...]:
    """Validate category tables; `source` (the config file) goes in errors."""
    if not isinstance(raw, Sequence) or isinstance(raw, (str, bytes)):
        raise PolicyError("screening.categories: expected a list of tables", file=source)
    categories = tuple(_parse_one(table, i, Path(base_dir), source)
                       for i, table in enumerate(raw))
    seen: set[str] = set()
    for i, category in enumerate(categories):
        if category.name in seen:
            raise PolicyError(f"screening.categories[{i}].name: duplicate category "
                              f"{category.name!r}", file=source)
        seen.add(category.name)
    return categories


def _parse_one(table: Any, i: int, base_dir: Path, source: Path | None) -> CategoryConfig:
    where = f"screening.categories[{i}]"

    def fail(key: str, message: str) -> PolicyError:
        return PolicyError(f"{where}.{key}: {message}", file=source)

    if not isinstance(table, Mapping):
        raise PolicyError(f"{where}: expected a table", file=source)
    for key in table:
        if key not in _KEYS:
            raise fail(str(key), f"unknown key (expected one of {', '.join(sorted(_KEYS))})")
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise fail("name", "required; lowercase letters, digits, '_' or '-', at most 64")
    action = table.get("action")
    if action not in CATEGORY_ACTIONS:
        raise fail("action", f"unknown action {action!r} (expected one of "
                             f"{', '.join(CATEGORY_ACTIONS)})")
    mode = table.get("mode", "enforce")
    if mode not in MODES:
        raise fail("mode", f"unknown mode {mode!r} (expected enforce or shadow)")
    lists = _strings(table.get("lists"), lambda m: fail("lists", m), allow_empty=False)
    exemptions = _strings(table.get("exemptions", []), lambda m: fail("exemptions", m))
    description = table.get("description", "")
    if not isinstance(description, str):
        raise fail("description", "expected a string")
    return CategoryConfig(name=name, action=action, mode=mode, description=description,
                          lists=tuple(base_dir / p for p in lists),
                          exemptions=tuple(e.strip() for e in exemptions))


def _strings(value: Any, fail: Any, *, allow_empty: bool = True) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail("expected a list of non-empty strings")
    if not value and not allow_empty:
        raise fail("required; at least one list file")
    return value
