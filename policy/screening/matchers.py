"""Multi-pattern engines behind one small interface.

Every literal term of every category goes into one automaton, built once
per policy version. Two backends: pyahocorasick (a named dependency,
always there) and ahocorasick-rs (the optional "fast" extra, a Rust
automaton, several times quicker again on Chinese text, where thousands
of terms fan out from the root). `build_matcher` picks the fastest one
installed unless told which.

"fastpath" names the same exact automaton (the fastest of the other
two, in shards) plus a fast path in front of it (see fastpath.py, in the
C helper the install builds) that proves most clean texts clean without
normalising them; `engine.py` builds that fast path when this engine is
chosen. "hyperscan", its name while the fast path scanned with
hyperscan, is still accepted for it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Protocol

import ahocorasick

from policy.screening import fastpath

_rs: ModuleType | None
try:
    import ahocorasick_rs as _rs
except ImportError:  # the optional "fast" extra is not installed
    _rs = None

logger = logging.getLogger(__name__)

# Fastest first: the order `build_matcher` tries when no engine is named.
ENGINES = ("fastpath", "ahocorasick_rs", "pyahocorasick")
_OLD_NAMES = {"hyperscan": "fastpath"}


class Matcher(Protocol):
    """Finds every occurrence, overlapping ones included, of every pattern."""

    name: str

    def iter_matches(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, pattern index) of each occurrence; empty when clean."""
        ...


class PyAhoCorasickMatcher:
    """pyahocorasick over UTF-8 bytes spelled as Latin-1 text.

    pyahocorasick finds a node's child by a linear scan, and with Chinese
    terms the root has thousands of children: over code points a 500
    character post took ~0.5 ms. Over UTF-8 bytes no node has more than
    a few dozen children, which is about 13x faster. UTF-8 is
    self-synchronising, so a pattern can only match on character
    boundaries; offsets go back to characters only for actual matches.
    """

    name = "pyahocorasick"
    __slots__ = ("_automaton",)

    def __init__(self, patterns: Sequence[str]) -> None:
        automaton = ahocorasick.Automaton()
        for index, pattern in enumerate(patterns):
            # The value carries the length: the automaton reports end indexes.
            encoded = _as_bytes(pattern)
            automaton.add_word(encoded, (index, len(encoded)))
        if len(automaton):
            automaton.make_automaton()
        self._automaton = automaton

    def iter_matches(self, text: str) -> list[tuple[int, int, int]]:
        if not len(self._automaton):
            return []
        raw = _as_bytes(text)
        found = [(end + 1 - length, end + 1, index)
                 for end, (index, length) in self._automaton.iter(raw)]
        if not found or len(raw) == len(text):  # ASCII: bytes are characters
            return found
        data = raw.encode("latin-1")
        return [(len(data[:start].decode()), len(data[:end].decode()), index)
                for start, end, index in found]


def _as_bytes(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("latin-1")


class RsAhoCorasickMatcher:
    name = "ahocorasick_rs"
    __slots__ = ("_automaton",)

    def __init__(self, patterns: Sequence[str]) -> None:
        if _rs is None:
            raise ValueError("ahocorasick_rs is not installed")
        self._automaton = _rs.AhoCorasick(list(patterns)) if patterns else None

    def iter_matches(self, text: str) -> list[tuple[int, int, int]]:
        automaton = self._automaton
        # A standard (non-overlapping) search finds a match whenever there
        # is one, and is cheaper; the overlapping pass runs only after it.
        if automaton is None or not automaton.find_matches_as_indexes(text):
            return []
        return [(start, end, index) for index, start, end
                in automaton.find_matches_as_indexes(text, overlapping=True)]


class ShardedMatcher:
    """The exact automaton behind the fast path, under the engine's name.

    In shards of `fastpath.SHARD_SIZE` patterns: building one automaton over
    100,000 terms holds the GIL for 160-300 ms, which a reload in a
    running node would add to every request waiting meanwhile; a shard
    holds it for a tenth of that. Behind the fast path only texts with
    a candidate reach this matcher, so the extra passes cost little.
    """

    name = "fastpath"
    __slots__ = ("_shards",)

    def __init__(self, patterns: Sequence[str]) -> None:
        if not fastpath.available():
            raise ValueError("the fast path's C helper is not built")
        automaton = RsAhoCorasickMatcher if _rs is not None else PyAhoCorasickMatcher
        size = fastpath.SHARD_SIZE
        self._shards: list[tuple[int, Matcher]] = []
        for first in range(0, len(patterns), size):
            self._shards.append((first, automaton(patterns[first:first + size])))
            time.sleep(0)  # let a waiting thread (a server's event loop) have the GIL

    def iter_matches(self, text: str) -> list[tuple[int, int, int]]:
        found: list[tuple[int, int, int]] = []
        for first, shard in self._shards:
            found += [(start, end, first + index)
                      for start, end, index in shard.iter_matches(text)]
        return found


_FACTORIES: dict[str, Callable[[Sequence[str]], Matcher]] = {
    "fastpath": ShardedMatcher,
    "ahocorasick_rs": RsAhoCorasickMatcher,
    "pyahocorasick": PyAhoCorasickMatcher,
}


def available_engines() -> tuple[str, ...]:
    missing = {"ahocorasick_rs"} if _rs is None else set()
    if not fastpath.available():
        missing.add("fastpath")
    return tuple(name for name in ENGINES if name not in missing)


def choose_engine(engine: str | None = None) -> str:
    """The engine `build_matcher` will use; ValueError when unknown or missing."""
    if engine:
        engine = _OLD_NAMES.get(engine, engine)
        if engine not in _FACTORIES:
            raise ValueError(f"unknown engine {engine!r} (expected one of {', '.join(ENGINES)})")
        if engine not in available_engines():
            raise ValueError(f"engine {engine!r} is not installed")
        return engine
    installed = available_engines()
    if not installed:
        raise ValueError("no matching engine installed (need pyahocorasick)")
    return installed[0]


def build_matcher(patterns: Sequence[str], engine: str | None = None) -> Matcher:
    """One automaton over `patterns` (distinct, non-empty, normalised).

    `engine` names a backend to force; None or "" picks the fastest
    installed. An unknown or missing engine raises ValueError.
    """
    chosen = choose_engine(engine)
    matcher = _FACTORIES[chosen](patterns)
    logger.info("built %s automaton over %d patterns", chosen, len(patterns))
    return matcher
