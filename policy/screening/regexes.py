"""Regular-expression terms (`re:` in a list file), run in linear time.

A term list is admin input and a post is attacker input, so a pattern
must never backtrack its way into a denial of service. With google-re2
installed (RE2 is a linear-time automaton engine, and it has no
backreferences or lookarounds at all) every pattern runs there, all of
them at once through an `re2.Set` that says which ones matched. Without
it, Python's `re` runs only patterns that pass `check_restricted`: no
backreferences, lookarounds or conditionals, no quantifier or
alternation inside a quantifier, at most three unbounded quantifiers, so
no pattern can backtrack exponentially.

Patterns run on the normalised text (case-folded, half-width,
simplified when folding is on), case-insensitively.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
# The stdlib's own regex parser: no public API exposes the parsed tree,
# which `check_restricted` needs to see nesting.
from re import _constants as _sre_constants  # type: ignore[attr-defined]
from re import _parser as _sre_parser  # type: ignore[attr-defined]
from types import ModuleType
from typing import Any

_re2: ModuleType | None
try:
    import re2
    _re2 = re2
except ImportError:  # google-re2 not installed: restricted `re` instead
    _re2 = None

logger = logging.getLogger(__name__)

_MAX_UNBOUNDED = 3
_FORBIDDEN = {"GROUPREF": "backreferences", "GROUPREF_EXISTS": "conditionals",
              "ASSERT": "lookarounds", "ASSERT_NOT": "lookarounds"}
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


def engine_name() -> str:
    return "re2" if _re2 is not None else "re-restricted"


def _re2_options() -> Any:
    assert _re2 is not None
    options = _re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # a bad admin pattern is a PolicyError, not stderr noise
    return options


def compile_pattern(pattern: str) -> Any:
    """A compiled pattern, or ValueError saying what is wrong with it."""
    if _re2 is not None:
        try:
            compiled = _re2.compile(pattern, _re2_options())
        except _re2.error as exc:
            detail = exc.args[0] if exc.args else exc
            if isinstance(detail, bytes):
                detail = detail.decode("utf-8", "replace")
            raise ValueError(f"bad regular expression: {detail}") from None
    else:
        check_restricted(pattern)
        compiled = re.compile(pattern, re.IGNORECASE)
    if compiled.search("") is not None:
        raise ValueError("regular expression matches the empty string (it would hit every text)")
    return compiled


def check_restricted(pattern: str) -> None:
    """Raise ValueError unless `pattern` is safe for a backtracking engine."""
    try:
        tree = _sre_parser.parse(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"bad regular expression: {exc}") from None
    unbounded = _walk(tree, inside_repeat=False)
    if unbounded > _MAX_UNBOUNDED:
        raise ValueError(f"more than {_MAX_UNBOUNDED} unbounded quantifiers")


def _walk(items: Any, *, inside_repeat: bool) -> int:
    """Check a parsed subpattern; return how many unbounded repeats it has."""
    unbounded = 0
    for op, arg in items:
        name = str(op)
        if name in _FORBIDDEN:
            raise ValueError(f"{_FORBIDDEN[name]} are not allowed without google-re2")
        if name in _REPEATS:
            if inside_repeat:
                raise ValueError("nested quantifiers are not allowed without google-re2")
            low, high, sub = arg
            unbounded += high == _sre_constants.MAXREPEAT
            unbounded += _walk(sub, inside_repeat=True)
        elif name == "BRANCH":
            if inside_repeat:
                raise ValueError("alternation inside a quantifier is not allowed "
                                 "without google-re2")
            unbounded += sum(_walk(branch, inside_repeat=False) for branch in arg[1])
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            unbounded += _walk(arg[-1], inside_repeat=inside_repeat)
    return unbounded


class RegexSet:
    """All regex terms of a policy; `iter_matches` like a `Matcher`."""

    __slots__ = ("_compiled", "_set")

    def __init__(self, patterns: Sequence[str]) -> None:
        self._compiled = [compile_pattern(p) for p in patterns]
        self._set = None
        if _re2 is not None and patterns:
            regex_set = _re2.Set.SearchSet(_re2_options())
            for pattern in patterns:
                regex_set.Add(pattern)
            regex_set.Compile()
            self._set = regex_set

    def __len__(self) -> int:
        return len(self._compiled)

    def iter_matches(self, text: str) -> list[tuple[int, int, int]]:
        if not self._compiled:
            return []
        # One pass over the text says which patterns match; only those run
        # again for positions.
        # (re2.Set.Match answers None, not [], when nothing matched.)
        indexes = (self._set.Match(text) or ()) if self._set is not None \
            else range(len(self._compiled))
        return [(m.start(), m.end(), i) for i in indexes
                for m in self._compiled[i].finditer(text) if m.end() > m.start()]
