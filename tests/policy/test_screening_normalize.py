"""Normalisation: what folds, what does not, and the offset map agreeing."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from policy.screening.normalize import get_normalizer

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("text", "folded"), [
    ("博 彩", "博彩"), ("博*彩", "博彩"), ("博.彩", "博彩"), ("博\u200b彩", "博彩"),
    ("博\u3000彩", "博彩"), ("博🎲彩", "博彩"), ("博\u0301\u0301彩", "博彩"),
    ("赌\u202e场\u202c", "赌场"), ("ＣＡＳＩＮＯ", "casino"), ("Ca\u200bSiNo", "casino"),
    ("𝐜𝐚𝐬𝐢𝐧𝐨", "casino"), ("buy followers", "buy followers"), ("Straße", "strasse"),
    ("⼈民币", "人民币"), ("代開發票", "代开发票"),
    # Separators stay between Latin words and between Latin and Han.
    ("casino 赌场", "casino 赌场"), ("a.b", "a.b"), ("博 a 彩", "博 a 彩"),
    # Letters in disguise are letters, not separators.
    ("博™彩", "博tm彩"),
])
def test_normalize_folds_evasions(text: str, folded: str) -> None:
    assert get_normalizer(True).normalize(text) == folded


def test_traditional_folding_only_when_asked() -> None:
    assert get_normalizer(False).normalize("賭場") == "賭場"
    assert get_normalizer(True).normalize("賭場") == "赌场"


def test_mapped_agrees_with_normalize_and_maps_back() -> None:
    # Given random texts drawn from the characters that matter
    alphabet = ("博彩賭場发票代開abcXYZ ,.*-！，。\u200b\u200d\u202e\ufeffＡｂ１"
                "ßẞ🎲𝐜𫝈é\u0301⼈™\n\t")
    rng = random.Random(7)
    for fold in (False, True):
        normalizer = get_normalizer(fold)
        for _ in range(2000):
            text = "".join(rng.choices(alphabet, k=rng.randint(0, 12)))
            # When both implementations run
            fast, mapped = normalizer.normalize(text), normalizer.mapped(text)
            # Then they agree, and every normalised character maps inside the text
            assert mapped.text == fast, text
            assert len(mapped.starts) == len(mapped.ends) == len(fast)
            assert all(0 <= s < e <= len(text) for s, e in zip(mapped.starts, mapped.ends))


def test_mapped_records_cuts_where_separators_were_dropped() -> None:
    mapped = get_normalizer(True).mapped("刷 单，兼职")
    assert mapped.text == "刷单兼职"
    assert mapped.cuts == {1, 2}
    assert mapped.span(0, 2) == (0, 3)


def test_jieba_loads_quietly() -> None:
    code = ("import logging; logging.basicConfig(level=logging.WARNING)\n"
            "from policy.screening.words import WordChecker\n"
            "print(WordChecker('我们去赌博彩票店', frozenset()).is_word(4, 6))\n")
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert (result.returncode, result.stdout, result.stderr) == (0, "False\n", "")
