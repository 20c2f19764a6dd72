"""The hyperscan fast path: prove most clean texts clean in one scan.

One hyperscan database over the skeleton (see skeleton.py) holds every
literal term's skeleton, a necessary literal of every regex term, and the
detectors for what the skeleton cannot stand in for. Past
`HYPERSCAN_TERM_LIMIT` terms the term skeletons go to an Aho-Corasick
automaton over the skeleton instead, and hyperscan keeps the detectors
only. A clean text makes no callback at all; any match, or a text that cannot be encoded, sends
the text to the exact path (normalise with offset map, automaton, word
and exemption checks), which alone decides. So the fast path may only
say "clean" or "don't know", and it says "clean" only when the exact
path could find no candidate either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import ahocorasick

from policy.screening.skeleton import Skeleton, get_skeleton

_hs: ModuleType | None
try:
    import hyperscan as _hs
except ImportError:  # the optional "fast" extra is not installed
    _hs = None
_rs: ModuleType | None
try:
    import ahocorasick_rs as _rs
except ImportError:
    _rs = None

logger = logging.getLogger(__name__)

# Measured on Chinese terms: hyperscan scans 10,000 term skeletons about
# twice as fast as Aho-Corasick, but at 100,000 it compiles for 8-14 s
# (more than 40 s with Han variants as classes), takes over 150 MiB and
# scans no faster than ahocorasick_rs. So past this many terms they go to
# an automaton (built in about a second). An automaton takes no classes,
# so it also gets every Han variant as a one-character pattern: a text
# holding one takes the exact path, which folds it. (As a hyperscan
# class the ~2,700 scattered variants cost 5 µs a scan; in the automaton
# they cost nothing extra.)
HYPERSCAN_TERM_LIMIT = 20_000


def available() -> bool:
    return _hs is not None


def _stop(*_args: Any) -> bool:
    return True  # the first match decides: stop scanning


class FastPath:
    """`is_clean(text)`: True only when the exact path would find nothing."""

    __slots__ = ("_db", "_local", "_skeleton", "_terms", "pattern_count")

    def __init__(self, db: Any, skeleton: Skeleton, pattern_count: int,
                 terms: SkeletonAutomaton | None = None) -> None:
        self._db = db
        self._skeleton = skeleton
        self._terms = terms  # None: the terms are in the hyperscan database
        # A scratch serves one scan at a time and the scan releases the
        # GIL, so each thread gets its own.
        self._local = threading.local()
        self.pattern_count = pattern_count

    def _scratch(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            assert _hs is not None
            scratch = self._local.scratch = _hs.Scratch(self._db)
        return scratch

    def is_clean(self, text: str) -> bool:
        try:
            data = self._skeleton.text(text)
        except UnicodeEncodeError:  # a lone surrogate: the exact path drops it
            return False
        scratch = getattr(self._local, "scratch", None) or self._scratch()
        try:
            self._db.scan(data, match_event_handler=_stop, scratch=scratch)
        except _hs.ScanTerminated:  # type: ignore[union-attr]
            return False
        return self._terms is None or not self._terms.any_match(data)


class SkeletonAutomaton:
    """Term skeletons in ahocorasick_rs (or pyahocorasick) for big policies."""

    __slots__ = ("_find",)

    def __init__(self, terms: Sequence[str]) -> None:
        if _rs is not None:
            find = _rs.AhoCorasick(list(terms)).find_matches_as_indexes
            self._find = lambda data: bool(find(data.decode("utf-8")))
            return
        # pyahocorasick over UTF-8 bytes spelled as Latin-1 (see matchers.py)
        automaton = ahocorasick.Automaton()
        for term in terms:
            automaton.add_word(term.encode("utf-8").decode("latin-1"), True)
        automaton.make_automaton()
        self._find = lambda data: next(automaton.iter(data.decode("latin-1")), None) is not None

    def any_match(self, data: bytes) -> bool:
        return self._find(data)


def build_fast_path(fold_traditional: bool, literals: Sequence[str],
                    regexes: Sequence[str]) -> FastPath | None:
    """A fast path over normalised `literals` and `regexes`, or None.

    None when hyperscan is missing or some term has no usable skeleton
    (a term of ASCII punctuation only, a regex with no necessary
    literal): then every text takes the exact path, as before.
    """
    if _hs is None:
        return None
    skeleton = get_skeleton(fold_traditional)
    needed = _needed_literals(skeleton, literals, regexes)
    if needed is None:
        return None
    in_hyperscan = len(needed) <= HYPERSCAN_TERM_LIMIT
    patterns = skeleton.detectors()
    if in_hyperscan:
        patterns += [skeleton.pattern(term) for term in needed]
    try:
        db = _compile(patterns)
    except _hs.error as exc:  # e.g. a term past hyperscan's pattern length limit
        logger.warning("fast path off: hyperscan cannot compile the terms: %s", exc)
        return None
    terms = None if in_hyperscan else SkeletonAutomaton(needed + skeleton.variant_sources())
    return FastPath(db, skeleton, len(patterns), terms)


def _needed_literals(skeleton: Skeleton, literals: Sequence[str],
                     regexes: Sequence[str]) -> list[str] | None:
    """Skeletons one of which any hit's text contains; None if some term has none."""
    needed = []
    for literal in literals:
        term = skeleton.term(literal)
        if not term:
            logger.info("fast path off: term %r has no letters or Han", literal)
            return None
        needed.append(term)
    for regex in regexes:
        found = skeleton.regex_literals(regex)
        if found is None:
            logger.info("fast path off: regex %r has no necessary literal", regex)
            return None
        needed += found
    return list(dict.fromkeys(needed))


def _compile(patterns: list[str]) -> Any:
    assert _hs is not None
    unique = list(dict.fromkeys(patterns))
    db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
    db.compile(expressions=[p.encode() for p in unique], ids=list(range(len(unique))),
               elements=len(unique), flags=_hs.HS_FLAG_UTF8 | _hs.HS_FLAG_SINGLEMATCH)
    return db
