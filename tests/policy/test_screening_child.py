"""A reload's build in a fresh child process (policy/screening/child.py).

The child must prepare exactly what this process would, send back a bad
list's error with its file and line, and a child that dies must leave the
running policy in place.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from policy.screening import load_policy, parse_categories, screen
from policy.screening.child import ChildError, prepare_in_child
from policy.screening.engine import assemble_policy, prepare_policy
from policy.screening.errors import PolicyError
from policy.screening_runtime import PolicySource, ScreeningHolder
from storage.database import open_database

LISTS = {"g.txt": "博彩\nword:casino\nre:日赚\\s*\\d{3,}元\n", "i.txt": "代开发票\n博彩\n"}
CATEGORIES = [{"name": "g", "action": "reject", "lists": ["g.txt"], "exemptions": ["博彩业监管"]},
              {"name": "i", "action": "review", "lists": ["i.txt"], "mode": "shadow"}]
TEXTS = ["加强博彩业监管", "網上博 彩", "best CASINO in town", "日赚 800元", "代开发票", "你好"]


def write_lists(folder: Path, **changes: str) -> PolicySource:
    for name, text in {**LISTS, **changes}.items():
        (folder / name).write_text(text, "utf-8")
    return PolicySource(parse_categories(CATEGORIES, folder), fold_traditional=True)


async def test_the_child_prepares_what_this_process_would(tmp_path: Path) -> None:
    # Given list files
    source = write_lists(tmp_path)
    # When the child prepares them, and this process does too
    parts = await prepare_in_child(source.categories, fold_traditional=True, engine=None)
    here = prepare_policy(source.categories, fold_traditional=True)
    # Then the parts agree, and the assembled policies decide alike
    assert (parts.version, parts.rules, parts.fast) == (here.version, here.rules, here.fast)
    from_child, local = assemble_policy(parts), assemble_policy(here)
    assert from_child.describe_rules() == local.describe_rules()
    for text in TEXTS:
        decision = screen(from_child, {"status": text})
        assert decision == screen(local, {"status": text})
    assert screen(from_child, {"status": "網上博 彩"}).action == "reject"


async def test_a_bad_list_comes_back_with_file_and_line(tmp_path: Path) -> None:
    source = write_lists(tmp_path, **{"i.txt": "代开发票\nre:(unclosed\n"})
    with pytest.raises(PolicyError) as refused:
        await prepare_in_child(source.categories, fold_traditional=True, engine=None)
    assert refused.value.file == tmp_path / "i.txt" and refused.value.line == 2


async def test_a_child_that_dies_leaves_the_running_policy(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a running policy, and a build process that dies at once
    source = write_lists(tmp_path)
    policy = load_policy(source.categories, fold_traditional=True)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.raises(ChildError):
        await prepare_in_child(source.categories, fold_traditional=True, engine=None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    with pytest.raises(ChildError, match="cannot start"):
        await prepare_in_child(source.categories, fold_traditional=True, engine=None)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    async with open_database(tmp_path / "node.sqlite3") as db:
        holder = ScreeningHolder(db, lambda: source, policy)
        # When a reload is asked for
        result = await holder.reload()
        # Then it fails, saying so, and the old policy keeps screening
        assert not result.ok and "exited with status 1" in result.error
        assert holder.policy is policy
        assert screen(holder.policy, {"status": "博彩"}).action == "reject"
