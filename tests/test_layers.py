"""Imports point one way: node -> federation -> policy -> storage."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["node", "federation", "policy", "storage"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), str(path))
    names: set[str] = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            names.update(a.name.split(".")[0] for a in n.names)
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            names.add(n.module.split(".")[0])
    return names


def test_layers_import_only_downwards() -> None:
    violations = []
    for rank, layer in enumerate(LAYERS):
        forbidden = set(LAYERS[:rank])
        for path in (ROOT / layer).rglob("*.py"):
            bad = _imports(path) & forbidden
            if bad:
                violations.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert violations == []


def test_aiohttp_web_stays_in_node_and_federation() -> None:
    offenders = [str(p.relative_to(ROOT)) for layer in ("policy", "storage")
                 for p in (ROOT / layer).rglob("*.py") if "aiohttp" in _imports(p)]
    assert offenders == []
