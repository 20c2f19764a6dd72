"""Every backend finds exactly the occurrences a naive search finds."""

from __future__ import annotations

import random

import pytest

from policy.screening.matchers import available_engines, build_matcher


def naive(patterns: list[str], text: str) -> list[tuple[int, int, int]]:
    return sorted((i, i + len(p), index) for index, p in enumerate(patterns)
                  for i in range(len(text)) if text.startswith(p, i))


@pytest.mark.parametrize("engine", available_engines())
def test_backend_matches_naive_search(engine: str) -> None:
    rng = random.Random(11)
    alphabet = "博彩票赌场ab c𫝈é"
    for _ in range(200):
        patterns = sorted({"".join(rng.choices(alphabet, k=rng.randint(1, 3)))
                           for _ in range(rng.randint(1, 8))})
        text = "".join(rng.choices(alphabet, k=rng.randint(0, 30)))
        matcher = build_matcher(patterns, engine)
        assert matcher.name == engine
        assert sorted(matcher.iter_matches(text)) == naive(patterns, text), (patterns, text)


def test_default_engine_is_the_fastest_installed() -> None:
    assert build_matcher(["x"]).name == available_engines()[0]


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        build_matcher(["x"], "bogus")
