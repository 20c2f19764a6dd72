"""The hyperscan fast path: prove most clean texts clean in one scan.

The text's skeleton (skeleton.py: one pass in C) either says "don't
know" (a character the skeleton cannot stand in for) or is scanned by
one hyperscan database of pure literals: every literal term's skeleton
and a necessary literal of every regex term. A clean text makes no callback at all; any match, or
"don't know", sends the text to the exact path (normalise with offset
map, automaton, word and exemption checks), which alone decides. So the
fast path may only say "clean" or "don't know", and it says "clean"
only when the exact path could find no candidate either.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from policy.screening.skeleton import Skeleton, get_skeleton, native_available

_hs: ModuleType | None
try:
    import hyperscan as _hs
except ImportError:  # the optional "fast" extra is not installed
    _hs = None

logger = logging.getLogger(__name__)


def available() -> bool:
    return _hs is not None and native_available()


def _stop(*_args: Any) -> bool:
    return True  # the first match decides: stop scanning


class FastPath:
    """`is_clean(text)`: True only when the exact path would find nothing."""

    __slots__ = ("_db", "_local", "_skeleton", "pattern_count")

    def __init__(self, db: Any, skeleton: Skeleton, pattern_count: int) -> None:
        self._db = db
        self._skeleton = skeleton
        # A scratch serves one scan at a time and the scan releases the
        # GIL, so each thread gets its own.
        self._local = threading.local()
        self.pattern_count = pattern_count

    @classmethod
    def load(cls, parts: FastPathParts) -> FastPath:
        """From compiled bytes: milliseconds, where compiling takes seconds."""
        assert _hs is not None
        db = _hs.loadb(parts.database, _hs.HS_MODE_BLOCK)
        return cls(db, get_skeleton(parts.fold_traditional), parts.pattern_count)

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
        scratch = getattr(self._local, "scratch", None) or self._scratch()
        try:
            self._db.scan(data, match_event_handler=_stop, scratch=scratch)
        except _hs.ScanTerminated:  # type: ignore[union-attr]
            return False
        return True


@dataclass(frozen=True, slots=True)
class FastPathParts:
    """A compiled fast path as bytes, so a child process can build it."""

    fold_traditional: bool
    database: bytes  # hyperscan's serialised form
    pattern_count: int


def compile_fast_path(fold_traditional: bool, literals: Sequence[str],
                      regexes: Sequence[str]) -> FastPathParts | None:
    """A fast path over normalised `literals` and `regexes`, or None.

    None when hyperscan or the C skeleton is missing, or some term has
    no usable skeleton (a term of ASCII punctuation only, a regex with
    no necessary literal): then every text takes the exact path.
    Compiling mostly runs without the GIL (100,000 terms: about 4 s).
    """
    if not available():
        return None
    assert _hs is not None
    needed = _needed_literals(get_skeleton(fold_traditional), literals, regexes)
    if needed is None:
        return None
    try:
        db = _compile(needed)
    except _hs.error as exc:  # e.g. a term past hyperscan's pattern length limit
        logger.warning("fast path off: hyperscan cannot compile the terms: %s", exc)
        return None
    return FastPathParts(fold_traditional, _hs.dumpb(db), len(needed))


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
