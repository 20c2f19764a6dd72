"""Every test the compliance report names as proof of a control exists."""

from __future__ import annotations

import ast
from pathlib import Path

from policy.compliance_model import ARTICLES
from policy.compliance_tests import TESTS

ROOT = Path(__file__).resolve().parents[2]


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")}


def test_every_article_names_tests_and_every_named_test_exists() -> None:
    assert set(TESTS) == set(ARTICLES)
    missing = []
    for article, names in TESTS.items():
        assert names, article
        for name in names:
            file, _sep, function = name.partition("::")
            path = ROOT / file
            if not path.is_file() or function not in _test_names(path):
                missing.append(f"{article}: {name}")
    assert missing == []
