"""The fast path's skeleton: a cheap byte image of a text that keeps every term.

`Skeleton.text` makes it in one pass (the C helper `_skeleton.c`, or
`skeleton_reference`, which defines it; the fast path's term filter
walks the text the same way in C without writing the skeleton out): UTF-8 of the text with ASCII
lowercased, ASCII punctuation, symbols, spaces and controls and the
common CJK punctuation deleted, and traditional characters (and
radicals, compatibility ideographs) that fold to one Han character
replaced by it. A term's skeleton is its normalised form put through
the same pass. Each step acts character by character, so if the
normalised text contains a term, the skeleton of the normalised text
contains the term's skeleton.

The skeleton of the *raw* text equals the skeleton of the normalised
text, character for character, unless the raw text holds something the
exact normaliser would change and the pass does not; there the pass
answers None ("don't know", the exact path decides):

- a character `fold_table` or `casefold` changes (full-width and styled
  letters, accented letters, non-ASCII capitals, zero-width and bidi
  controls): flagged;
- a run of other separators (emoji, rarer punctuation, combining marks)
  between two Han characters, which the exact path drops.

So the fast path can only add candidates, never lose one.
"""

from __future__ import annotations

import array
import re
import sys
import unicodedata
import warnings
from functools import lru_cache
from re import _parser as _sre_parser  # type: ignore[attr-defined]
from typing import Any

from policy.screening import charsets

_native: Any
try:
    from policy.screening import _skeleton as _native
except ImportError:  # the C helper was not built (no compiler at install)
    _native = None

# What Chinese posts put between characters; each is deleted only if the
# exact path treats it as a separator that folds to ASCII separators (or
# to itself), which `_deletable` checks.
CJK_PUNCTUATION = "，。、！？：；“”‘’（）《》【】…\u3000「」『』—～·"
_CASE_LIMIT = 0x20000  # every character with a case mapping lies below this
# Table entries: the code point to emit in the low 21 bits, the action in
# the top byte (keep, delete, flag, separator) and a Han bit. Past the
# table only the tag and variation-selector block is special (flagged);
# `_table` checks that.
KEEP, DELETE, FLAG, SEPARATOR, HAN = 0, 1, 2, 3, 0x10
TABLE_LIMIT = 0x31350  # just past the last Han block
ASTRAL_FLAGGED = (0xE0000, 0xE01EF)


def native_available() -> bool:
    return _native is not None


def native_module() -> Any:
    """The C helper (`skeleton`, `filter_build`, `filter_scan`); check `native_available` first."""
    if _native is None:
        raise RuntimeError("the C helper policy/screening/_skeleton.c was not built")
    return _native


class Skeleton:
    """Skeletons for one folding option; build with `get_skeleton`."""

    __slots__ = ("flagged", "punctuation", "table", "variants")

    def __init__(self, fold_traditional: bool) -> None:
        fold = charsets.fold_table(fold_traditional)
        self.punctuation = _deletable(fold)
        self.variants = _variants(fold)
        self.flagged = _flagged(fold, self.variants, self.punctuation)
        self.table = _table(self.flagged, self.punctuation, self.variants)

    def text(self, text: str) -> bytes | None:
        """The raw text's skeleton, or None when only the exact path can tell."""
        if _native is not None:
            return _native.skeleton(text, self.table)  # type: ignore[no-any-return]
        return skeleton_reference(text, self.table)

    def term(self, normalized: str) -> str | None:
        """A normalised term's skeleton, as text (None: it has none)."""
        data = self.text(normalized)
        return None if data is None else data.decode("utf-8")

    def regex_literals(self, pattern: str) -> list[str] | None:
        """Literals one of which every match of `pattern` contains, or None.

        Taken only from characters whose skeleton is themselves (ASCII
        letters and digits, lowercased; unflagged Han), in runs at the
        top level of the pattern or in each branch of a top-level
        alternation, so a match in the normalised text implies one of
        the literals in its skeleton.
        """
        try:
            with warnings.catch_warnings():  # "possible nested set" and the like
                warnings.simplefilter("ignore")
                tree = _sre_parser.parse(pattern, re.IGNORECASE)
        except (re.error, RecursionError):  # e.g. RE2-only syntax: no fast path
            return None
        return self._necessary(tree)

    def _necessary(self, items: Any) -> list[str] | None:
        """The best necessary literal set of a sequence: longest shortest member."""
        candidates: list[list[str]] = []
        current: list[str] = []
        for op, arg in _flatten(items):
            name = str(op)
            ch = chr(arg) if name == "LITERAL" else ""
            if ch and (ch.isascii() and ch.isalnum() or
                       charsets.is_cjk(ch) and ord(ch) not in self.flagged):
                current.append(ch.lower())
                continue
            candidates.append(["".join(current)])
            current = []
            if name == "BRANCH":
                branches = [self._necessary(branch) for branch in arg[1]]
                if all(branches):
                    candidates.append([lit for found in branches if found for lit in found])
        candidates.append(["".join(current)])
        best = max(candidates, key=lambda c: min(map(len, c)))
        return best if min(map(len, best)) else None


def _flatten(items: Any) -> Any:
    """A sequence with its groups opened: a group matches once, in place."""
    for op, arg in items:
        if str(op) == "SUBPATTERN":
            yield from _flatten(arg[-1])
        else:
            yield op, arg


def _deletable(table: dict[int, str | None]) -> frozenset[int]:
    seps = charsets.bmp_separators()
    ok = set()
    for ch in CJK_PUNCTUATION:
        folded = table.get(ord(ch), ch) or ""
        if ord(ch) in seps and all(c == ch or c.isascii() and not c.isalnum() for c in folded):
            ok.add(ord(ch))
    return frozenset(ok)


def _variants(table: dict[int, str | None]) -> dict[str, tuple[str, ...]]:
    """Han target -> the Han characters that fold to it (traditional, radicals)."""
    found: dict[str, list[str]] = {}
    for cp, folded in table.items():
        ch = chr(cp)
        if folded and len(folded) == 1 and charsets.is_cjk(ch) and charsets.is_cjk(folded):
            found.setdefault(folded, []).append(ch)
    return {target: tuple(sorted(chars)) for target, chars in found.items()}


def _flagged(table: dict[int, str | None], variants: dict[str, tuple[str, ...]],
             punctuation: frozenset[int]) -> frozenset[int]:
    """Non-ASCII characters that normalisation changes and no pattern accepts."""
    accepted = {ord(c) for chars in variants.values() for c in chars} | punctuation
    flagged = {cp for cp in table if cp >= 0x80} - accepted
    flagged.update(cp for cp in range(0x80, _CASE_LIMIT)
                   if chr(cp).casefold() != chr(cp) or
                   unicodedata.normalize("NFKD", chr(cp)) != chr(cp) and cp not in accepted)
    return frozenset(flagged)


def _table(flagged: frozenset[int], punctuation: frozenset[int],
           variants: dict[str, tuple[str, ...]]) -> bytes:
    """The per-code-point table `_skeleton.c` and `skeleton_reference` read."""
    entries = array.array("I", range(TABLE_LIMIT))
    for a, b in charsets.CJK_RANGES:
        for cp in range(a, min(b, TABLE_LIMIT - 1) + 1):
            entries[cp] |= HAN << 24
    for target, sources in variants.items():
        for source in sources:
            entries[ord(source)] = ord(target) | HAN << 24
    separators = set(charsets.bmp_separators()).union(
        *(range(a, b + 1) for a, b in charsets.astral_separator_ranges()))
    for cp in separators:
        if 0x80 <= cp < TABLE_LIMIT:
            entries[cp] = cp | SEPARATOR << 24
    for cp in range(0x80):
        ch = chr(cp)
        entries[cp] = ord(ch.lower()) if ch.isalnum() else DELETE << 24
    for cp in punctuation:
        entries[cp] = DELETE << 24
    for cp in flagged.union(range(0xD800, 0xE000)):  # lone surrogates: no UTF-8
        if cp < TABLE_LIMIT:
            entries[cp] = FLAG << 24
    beyond = {cp for cp in flagged | separators if cp >= TABLE_LIMIT}
    if not all(ASTRAL_FLAGGED[0] <= cp <= ASTRAL_FLAGGED[1] for cp in beyond):
        raise RuntimeError("skeleton: this Unicode version changes characters past the table")
    return entries.tobytes()  # native byte order, as the C helper reads it


def _entry(table: bytes, cp: int) -> int:
    if cp < len(table) // 4:
        return int.from_bytes(table[4 * cp:4 * cp + 4], sys.byteorder)
    return FLAG << 24 if ASTRAL_FLAGGED[0] <= cp <= ASTRAL_FLAGGED[1] else cp


def skeleton_reference(text: str, table: bytes) -> bytes | None:
    """What `_skeleton.c` computes, in Python: slow, the definition."""
    out = []
    after_han = in_run = False
    for ch in text:
        entry = _entry(table, ord(ch))
        action = entry >> 24 & 0x0F
        if action == DELETE:
            continue
        if action == FLAG:
            return None
        if action == SEPARATOR:
            in_run = after_han
        elif entry >> 24 & HAN:
            if in_run:
                return None  # Han, separators, Han: the exact path joins them
            after_han = True
        else:
            after_han = in_run = False
        out.append(chr(entry & 0x1FFFFF))
    return "".join(out).encode("utf-8")


@lru_cache(maxsize=2)
def get_skeleton(fold_traditional: bool) -> Skeleton:
    return Skeleton(fold_traditional)
