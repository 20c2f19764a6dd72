"""The hyperscan fast path: prove most clean texts clean in one scan.

The text's skeleton (skeleton.py: one pass in C) either says "don't
know" (a character the skeleton cannot stand in for) or is scanned for
every literal term's skeleton and a necessary literal of every regex
term: by one hyperscan database of pure literals, or past
`HYPERSCAN_TERM_LIMIT` terms by one Aho-Corasick automaton. A clean
text makes no callback at all; any match, or "don't know", sends the
text to the exact path (normalise with offset map, automaton, word and
exemption checks), which alone decides. So the fast path may only say
"clean" or "don't know", and it says "clean" only when the exact path
could find no candidate either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import ahocorasick

from policy.screening.skeleton import Skeleton, get_skeleton, native_available

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

# Measured on Chinese terms (bench_screening.py): hyperscan compiles
# 20,000 literals in 0.5 s, but 100,000 in 4.5 s (16 s on a loaded
# machine) with 250 MiB of compile-time memory, and then scans no faster
# than ahocorasick_rs. Past this many terms the skeletons go to one
# automaton instead (100,000: 0.25 s, holding the GIL throughout). Not
# in shards, as the exact automaton is (matchers.py): the fast path scans
# every clean text, and four shards scanned in turn evict each other
# from the cache, which made it 8 times slower.
HYPERSCAN_TERM_LIMIT = 20_000
SHARD_SIZE = 25_000  # the exact automaton's shards (matchers.py)


def available() -> bool:
    return _hs is not None and native_available()


def _stop(*_args: Any) -> bool:
    return True  # the first match decides: stop scanning


@dataclass(frozen=True, slots=True)
class FastPathParts:
    """A fast path before loading: bytes and strings a child process can send."""

    fold_traditional: bool
    pattern_count: int
    database: bytes | None = None  # hyperscan's serialised form, up to the limit
    literals: tuple[str, ...] = ()  # past it: for the automaton


class FastPath:
    """`is_clean(text)`: True only when the exact path would find nothing."""

    __slots__ = ("_db", "_local", "_skeleton", "_terms", "pattern_count")

    def __init__(self, skeleton: Skeleton, pattern_count: int, db: Any = None,
                 terms: Callable[[bytes], bool] | None = None) -> None:
        self._skeleton = skeleton
        self._db = db  # None: the terms are in the automaton `terms`
        self._terms = terms
        # A scratch serves one scan at a time and the scan releases the
        # GIL, so each thread gets its own.
        self._local = threading.local()
        self.pattern_count = pattern_count

    @classmethod
    def load(cls, parts: FastPathParts) -> FastPath:
        """Milliseconds from hyperscan's bytes; an automaton is built here."""
        skeleton = get_skeleton(parts.fold_traditional)
        if parts.database is not None:
            assert _hs is not None
            db = _hs.loadb(parts.database, _hs.HS_MODE_BLOCK)
            return cls(skeleton, parts.pattern_count, db=db)
        if not parts.literals:  # no terms at all: only "don't know" texts go on
            return cls(skeleton, 0)
        return cls(skeleton, parts.pattern_count, terms=_automaton(parts.literals))

    def _scratch(self) -> Any:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            assert _hs is not None
            scratch = self._local.scratch = _hs.Scratch(self._db)
        return scratch

    def is_clean(self, text: str) -> bool:
        data = self._skeleton.text(text)
        if data is None:
            return False
        if self._terms is not None:
            return not self._terms(data)
        if self._db is None:
            return True
        scratch = getattr(self._local, "scratch", None) or self._scratch()
        try:
            self._db.scan(data, match_event_handler=_stop, scratch=scratch)
        except _hs.ScanTerminated:  # type: ignore[union-attr]
            return False
        return True


def _automaton(terms: Sequence[str]) -> Callable[[bytes], bool]:
    """`any_match(skeleton bytes)` over `terms`, in ahocorasick_rs or pyahocorasick."""
    if _rs is not None:
        find = _rs.AhoCorasick(list(terms)).find_matches_as_indexes
        return lambda data: bool(find(data.decode("utf-8")))
    # pyahocorasick over UTF-8 bytes spelled as Latin-1 (see matchers.py)
    automaton = ahocorasick.Automaton()
    for term in terms:
        automaton.add_word(term.encode("utf-8").decode("latin-1"), True)
    automaton.make_automaton()
    return lambda data: next(automaton.iter(data.decode("latin-1")), None) is not None


def compile_fast_path(fold_traditional: bool, literals: Sequence[str],
                      regexes: Sequence[str]) -> FastPathParts | None:
    """A fast path over normalised `literals` and `regexes`, or None.

    None when hyperscan or the C skeleton is missing, or some term has
    no usable skeleton (a term of ASCII punctuation only, a regex with
    no necessary literal): then every text takes the exact path.
    """
    if not available():
        return None
    assert _hs is not None
    needed = _needed_literals(get_skeleton(fold_traditional), literals, regexes)
    if needed is None:
        return None
    if not needed or len(needed) > HYPERSCAN_TERM_LIMIT:
        return FastPathParts(fold_traditional, len(needed), literals=tuple(needed))
    try:
        db = _compile(needed)
    except _hs.error as exc:  # e.g. a term past hyperscan's pattern length limit
        logger.warning("fast path off: hyperscan cannot compile the terms: %s", exc)
        return None
    return FastPathParts(fold_traditional, len(needed), database=_hs.dumpb(db))


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
        # Through the same pass, so a traditional literal folds as text does.
        needed += [skeleton.term(literal) or literal for literal in found]
    return list(dict.fromkeys(needed))


def _compile(literals: list[str]) -> Any:
    assert _hs is not None
    db = _hs.Database(mode=_hs.HS_MODE_BLOCK)
    db.compile(expressions=[t.encode("utf-8") for t in literals], ids=list(range(len(literals))),
               elements=len(literals), flags=_hs.HS_FLAG_SINGLEMATCH, literal=True)
    return db
