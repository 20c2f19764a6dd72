"""The fast path: prove most clean texts clean in one pass in C.

The text's skeleton (skeleton.py) either says "don't know" (a character
the skeleton cannot stand in for) or is checked for every literal term's
skeleton and a necessary literal of every regex term by the term filter
of `_skeleton.c`, in the same pass, without writing the skeleton out.
A clean text passes; any possible term, or "don't know", sends the text
to the exact path (normalise with offset map, automaton, word and
exemption checks), which alone decides. So the fast path may only say
"clean" or "don't know", and it says "clean" only when the exact path
could find no candidate either.

Why a filter of our own: at 100,000 Chinese terms hyperscan's literal
compiler (`hs_compile_lit_multi`, which the python binding calls with
`literal=True`) took 5 to 9 s and over 240 MB to build one database, and
with the skeleton pass it proved fewer than 55,000 posts/s clean; four
smaller databases, or ahocorasick-rs over the skeleton bytes, were
slower still. The filter builds in milliseconds into 3 MB and proves
about 250,000 a second (`bench/bench_screening.py --alternatives`;
ARCHITECTURE.md has one run's figures).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from policy.screening.skeleton import Skeleton, get_skeleton, native_available, native_module

logger = logging.getLogger(__name__)

# The exact automaton behind the fast path is built in shards of this
# many patterns (matchers.py): building one holds the GIL, about 10 ms
# for 10,000 Chinese terms and 160 ms for 100,000, and a reload builds
# in a thread of the serving process. Only texts the fast path could not
# prove clean pay for scanning several shards.
SHARD_SIZE = 10_000


def available() -> bool:
    return native_available()


@dataclass(frozen=True, slots=True)
class FastPathParts:
    """A fast path before loading: bytes a child process can send."""

    fold_traditional: bool
    pattern_count: int
    filter: bytes  # `_skeleton.filter_build`'s table over every needed literal


class FastPath:
    """`is_clean(text)`: True only when the exact path would find nothing."""

    __slots__ = ("is_clean", "pattern_count")

    def __init__(self, parts: FastPathParts) -> None:
        self.pattern_count = parts.pattern_count
        self.is_clean: Callable[[str], bool] = _scanner(get_skeleton(parts.fold_traditional),
                                                        parts.filter)


def _scanner(skeleton: Skeleton, blob: bytes) -> Callable[[str], bool]:
    # A partial of the C function, not a closure: no Python frame per call.
    return partial(native_module().filter_scan, skeleton.table, blob)


def compile_fast_path(fold_traditional: bool, literals: Sequence[str],
                      regexes: Sequence[str]) -> FastPathParts | None:
    """A fast path over normalised `literals` and `regexes`, or None.

    None when the C helper is missing, or some term has no usable
    skeleton (a term of ASCII punctuation only, a regex with no
    necessary literal): then every text takes the exact path.
    """
    if not available():
        return None
    needed = needed_literals(get_skeleton(fold_traditional), literals, regexes)
    if needed is None:
        return None
    blob = native_module().filter_build(needed)
    return FastPathParts(fold_traditional, len(needed), blob)


def needed_literals(skeleton: Skeleton, literals: Sequence[str],
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
