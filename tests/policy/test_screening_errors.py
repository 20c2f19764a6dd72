"""Bad admin input raises PolicyError naming the key, or the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from policy.screening import (CategoryConfig, PolicyError, check_policy, load_policy,
                              parse_categories, screen)
from policy.screening import regexes


def category(**overrides: Any) -> dict[str, Any]:
    return {"name": "gambling", "action": "reject", "lists": ["g.txt"], **overrides}


def load_list(tmp_path: Path, text: str | bytes, **options: Any) -> None:
    path = tmp_path / "g.txt"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    load_policy(parse_categories([category()], tmp_path), **options)


def test_parse_categories_builds_frozen_configs(tmp_path: Path) -> None:
    (config,) = parse_categories([category(exemptions=["casino royale"], mode="shadow",
                                           description="ads")], tmp_path)
    assert config == CategoryConfig("gambling", "reject", (tmp_path / "g.txt",),
                                    ("casino royale",), "shadow", "ads")
    with pytest.raises(AttributeError):
        config.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(("table", "key"), [
    (category(action="ban"), "screening.categories[0].action: unknown action 'ban'"),
    (category(action=None), "screening.categories[0].action"),
    (category(mode="dry-run"), "screening.categories[0].mode: unknown mode"),
    (category(name="Bad Name"), "screening.categories[0].name"),
    (category(lists=[]), "screening.categories[0].lists"),
    (category(lists="g.txt"), "screening.categories[0].lists"),
    (category(exemptions=[""]), "screening.categories[0].exemptions"),
    (category(descripton="typo"), "screening.categories[0].descripton: unknown key"),
])
def test_bad_category_names_the_key(tmp_path: Path, table: dict[str, Any], key: str) -> None:
    config_file = tmp_path / "config.toml"
    with pytest.raises(PolicyError) as caught:
        parse_categories([table], tmp_path, source=config_file)
    assert key in str(caught.value)
    assert caught.value.file == config_file


def test_duplicate_category_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"categories\[1\].name: duplicate"):
        parse_categories([category(), category()], tmp_path)


@pytest.mark.parametrize(("text", "line", "message"), [
    ("博彩\n\n# fine\nre:(unclosed\n", 4, "bad regular expression"),
    ("博彩\nwrod:casino\n", 2, "unknown match kind 'wrod'"),
    ("word:\n", 1, "empty word term"),
    ("ok\n\u200b\u200b\n", 2, "empty once normalised"),
    ("ok\nre:a*\n", 2, "matches the empty string"),
    ("ok\nre:(a)\\1\n", 2, "regular expression"),
    ("ok\nre:(?=a)b\n", 2, "regular expression"),
])
def test_bad_line_names_file_and_line(tmp_path: Path, text: str, line: int,
                                      message: str) -> None:
    with pytest.raises(PolicyError, match=message) as caught:
        load_list(tmp_path, text)
    assert (caught.value.file, caught.value.line) == (tmp_path / "g.txt", line)
    assert str(caught.value).startswith(f"{tmp_path / 'g.txt'}:{line}: ")


def test_invalid_utf8_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="not valid UTF-8") as caught:
        load_list(tmp_path, "博彩\nok\n".encode() + b"\xff\xfe\n")
    assert caught.value.line == 3


def test_unreadable_list_file_names_the_file(tmp_path: Path) -> None:
    configs = parse_categories([category(lists=["missing.txt"])], tmp_path)
    with pytest.raises(PolicyError, match="cannot read list file") as caught:
        load_policy(configs)
    assert caught.value.file == tmp_path / "missing.txt" and caught.value.line is None


def test_unknown_engine_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="screening.engine: unknown engine 'bogus'"):
        load_list(tmp_path, "博彩\n", engine="bogus")


def test_check_policy_reports_every_problem(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("re:(x\nfine\nbogus:y\n", "utf-8")
    (tmp_path / "b.txt").write_text("ok\n", "utf-8")
    configs = parse_categories([category(lists=["a.txt", "b.txt", "gone.txt"])], tmp_path)
    problems = check_policy(configs)
    assert [p.split(": ", 1)[0] for p in problems] == [
        f"{tmp_path / 'a.txt'}:1", f"{tmp_path / 'a.txt'}:3", f"{tmp_path / 'gone.txt'}"]
    (tmp_path / "a.txt").write_text("fine\n", "utf-8")
    (tmp_path / "gone.txt").write_text("", "utf-8")
    assert check_policy(configs) == []


def test_restricted_fallback_rejects_backtracking_constructs() -> None:
    # The rules used when google-re2 is not installed, checked either way.
    for pattern, message in [(r"(a)\1", "backreferences"), ("(?<=a)b", "lookarounds"),
                             ("(a+)+$", "nested quantifiers"), ("(a|aa)*b", "alternation"),
                             ("a+b+c+d+", "unbounded quantifiers")]:
        with pytest.raises(ValueError, match=message):
            regexes.check_restricted(pattern)
    regexes.check_restricted(r"日赚\s*\d{3,}元")
    regexes.check_restricted(r"(?:qq|vx)[:：]?\d{5,12}")


def test_without_re2_patterns_run_on_restricted_re(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a machine without google-re2
    monkeypatch.setattr(regexes, "_re2", None)
    (tmp_path / "g.txt").write_text("re:日赚\\s*\\d{3,}\\s*元\n", "utf-8")
    policy = load_policy(parse_categories([category()], tmp_path))
    # Then regex terms still match, on Python's re
    assert policy.regex_engine == "re-restricted"
    (hit,) = screen(policy, {"status": "轻松日赚 800 元"}).hits
    assert hit.matched == "日赚 800 元"
    # And a backtracking construct is refused with its file and line
    (tmp_path / "g.txt").write_text("ok\nre:(a+)+b\n", "utf-8")
    with pytest.raises(PolicyError, match="nested quantifiers") as caught:
        load_policy(parse_categories([category()], tmp_path))
    assert caught.value.line == 2
