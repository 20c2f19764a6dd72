"""The C term filter says "clean" exactly when no term's skeleton occurs.

`filter_scan(table, filter, text)` must equal its definition: the text's skeleton
(`skeleton_reference`) is defined and contains none of the terms. Seeded
random term sets mix what the filter treats differently (Han and ASCII
tails, one-character terms, short and long ASCII terms, astral
characters, emoji kept as separators); texts are built from the same
pieces, with terms planted in some, so both answers occur often.
"""

from __future__ import annotations

import random

import pytest

from policy.screening.skeleton import get_skeleton, native_module, skeleton_reference

HAN = "博彩赌场发票代开刷单买粉网上百家乐加微信领红包"
ASCII = "abq1"  # few letters, so short ASCII terms and tails meet often
ASTRAL = "\U00020000\U00020001🎲😀"
DELETED = " .,-*!，。"  # the skeleton drops these
PIECES = HAN + ASCII + ASTRAL


def random_terms(rng: random.Random) -> list[str]:
    terms = set()
    for _ in range(rng.randint(1, 60)):
        length = rng.choice([1, 2, 2, 3, 3, 4, 5, 7, 12])
        pool = rng.choice([HAN, ASCII, PIECES])
        terms.add("".join(rng.choices(pool, k=length)))
    return sorted(terms)


def random_text(rng: random.Random, terms: list[str]) -> str:
    parts = []
    for _ in range(rng.randint(0, 30)):
        roll = rng.random()
        if roll < 0.04:
            parts.append(rng.choice(terms).upper())  # the skeleton lowercases ASCII
        elif roll < 0.5:
            parts.append(rng.choice(PIECES))
        elif roll < 0.7:
            parts.append(rng.choice(DELETED))
        else:
            parts.append(rng.choice("ABQxyz的了是"))
    return "".join(parts)


def defined_clean(text: str, table: bytes, terms: list[str]) -> bool:
    data = skeleton_reference(text, table)
    if data is None:
        return False
    skeleton = data.decode("utf-8")
    return not any(term in skeleton for term in terms)


@pytest.mark.parametrize("seed", range(4))
def test_filter_scan_matches_its_definition(seed: int) -> None:
    native = native_module()
    table = get_skeleton(True).table
    rng = random.Random(seed)
    verdicts = {True: 0, False: 0}
    for _ in range(300):
        # Given a random set of term skeletons
        terms = random_terms(rng)
        blob = native.filter_build(terms)
        for _ in range(40):
            # When a text is scanned, Then the filter answers as the definition does
            text = random_text(rng, terms)
            expected = defined_clean(text, table, terms)
            assert native.filter_scan(table, blob, text) is expected, (text, terms)
            verdicts[expected] += 1
    # And both answers were exercised many times
    assert min(verdicts.values()) > 2000


def test_filter_scan_reads_long_texts_and_refuses_a_foreign_table() -> None:
    native = native_module()
    table = get_skeleton(True).table
    blob = native.filter_build(["博彩", "casino", "q"])
    long_clean = "今天天气很好 nice day " * 400  # past the C helper's stack buffer
    assert native.filter_scan(table, blob, long_clean) is True
    assert native.filter_scan(table, blob, long_clean + "网上博 彩") is False
    assert native.filter_scan(table, blob, long_clean + "Q") is False
    with pytest.raises(ValueError, match="not a screening filter"):
        native.filter_scan(table, blob[:-8], "hello")
    with pytest.raises(ValueError, match="non-empty"):
        native.filter_build(["ok", ""])
