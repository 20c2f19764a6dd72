"""`policy check` and `policy reload` name the file and line of a bad list."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_config
from tests.node.test_screening_api import CATEGORIES, write_lists
from tests.test_cli import run


def test_policy_check_ok_then_bad_line_named(tmp_path: Path) -> None:
    write_lists(tmp_path)
    env = {"NODE_CONFIG": str(write_config(tmp_path, screening=CATEGORIES))}
    ok = run("policy", "check", env=env)
    assert ok.returncode == 0 and "5 categories" in ok.stdout
    (tmp_path / "lists" / "spam.txt").write_text("fine\nre:(broken\n", "utf-8")
    bad = run("policy", "check", env=env)
    assert bad.returncode == 1
    assert "spam.txt" in bad.stdout and ":2" in bad.stdout
    assert run("init", env=env).returncode == 0
    refused = run("policy", "reload", env=env)
    assert refused.returncode == 1 and "keeps its current policy" in refused.stderr


def test_unknown_action_is_a_config_error(tmp_path: Path) -> None:
    write_lists(tmp_path)
    env = {"NODE_CONFIG": str(write_config(tmp_path, screening=CATEGORIES.replace('"flag"', '"explode"')))}
    result = run("check-config", env=env)
    assert result.returncode == 2 and "screening.categories[3].action" in result.stderr
