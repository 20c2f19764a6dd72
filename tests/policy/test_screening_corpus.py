"""The labelled corpus: every evasion caught, every control passed.

Precision and recall are printed (run with -s to see them) and must both
be 1.0, so any change that loses a catch or adds a false hit fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policy.screening import available_engines, load_policy, parse_categories, screen

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "screening"
CATEGORIES = [
    {"name": "gambling", "action": "reject", "lists": ["gambling.txt"],
     "exemptions": ["casino royale", "禁止赌场广告"]},
    {"name": "fraud", "action": "reject", "lists": ["fraud.txt"]},
    {"name": "invoices", "action": "review", "lists": ["invoices.txt"]},
    {"name": "followers", "action": "sensitive", "lists": ["followers.txt"]},
    {"name": "spam", "action": "flag", "lists": ["spam.txt"]},
    {"name": "promo", "action": "reject", "lists": ["promo.txt"], "mode": "shadow"},
]


def read_corpus() -> list[tuple[str, str]]:
    rows = []
    for line in (CORPUS / "corpus.tsv").read_text("utf-8").splitlines():
        if line and not line.startswith("#"):
            label, text = line.split("\t", 1)
            text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
            rows.append((label, text))
    return rows


@pytest.mark.parametrize("engine", available_engines())
def test_corpus_precision_and_recall_are_perfect(engine: str) -> None:
    # Given the corpus categories, with traditional folding on
    policy = load_policy(parse_categories(CATEGORIES, CORPUS), fold_traditional=True,
                         engine=engine)
    # (the fastpath engine screens with its fast path in front)
    assert (policy.fast is not None) == (engine == "fastpath")
    # When every corpus text is screened as a status
    tp = fp = fn = 0
    mistakes = []
    for label, text in read_corpus():
        decision = screen(policy, {"status": text})
        got = decision.category or "clean"
        if label != "clean" and got == label:
            tp += 1
        else:
            fp += got != "clean" and got != label
            fn += label != "clean" and got != label
            if got != label:
                mistakes.append(f"{label} -> {got}: {text!r} {decision.to_dict()}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"\n[{engine}] screening corpus: precision={precision:.3f} recall={recall:.3f} "
          f"(tp={tp} fp={fp} fn={fn})")
    # Then nothing is missed and nothing clean is hit
    assert mistakes == []
    assert (precision, recall) == (1.0, 1.0)


def test_corpus_hits_point_at_the_evasion_as_written() -> None:
    policy = load_policy(parse_categories(CATEGORIES, CORPUS), fold_traditional=True)
    for label, text in read_corpus():
        for hit in screen(policy, [("status", text)]).hits:
            assert hit.matched == text[hit.start:hit.end]
            assert hit.matched and hit.matched[0] not in " *.-\u200b"


def test_shadow_category_records_without_acting() -> None:
    policy = load_policy(parse_categories(CATEGORIES, CORPUS), fold_traditional=True)
    decision = screen(policy, {"status": "限时秒杀，全场五折"})
    assert decision.action == "accept"
    assert [h.category for h in decision.shadow_hits] == ["promo"]
    assert decision.shadow_hits[0].mode == "shadow"
