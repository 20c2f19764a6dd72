"""The fast path's skeleton: a cheap byte image of a text that keeps every term.

`Skeleton.text` deletes the common CJK punctuation (one `re.sub`),
encodes to UTF-8 and, in one `bytes.translate`, lowercases ASCII and
deletes ASCII punctuation, symbols, spaces and controls. A term's
skeleton is its normalised form put through the same deletions. Deleting
a fixed set of characters and lowercasing ASCII act character by
character, so if the normalised text contains a term, the skeleton of
the normalised text contains the term's skeleton.

The skeleton of the *raw* text equals the skeleton of the normalised
text, character for character, unless the raw text holds something the
exact normaliser would change and the skeleton does not:

- a character `fold_table` or `casefold` changes (full-width and styled
  letters, accented letters, non-ASCII capitals, zero-width and bidi
  controls): `flagged`, one detector class;
- a run of other separators (emoji, rarer punctuation, combining marks)
  between two Han characters, which the exact path drops: a second
  detector;
- a traditional character (or radical, or compatibility ideograph) that
  folds to one Han character: no detector, the term patterns accept it
  in place of its target (`variants`), so 賭場 is screened on the fast
  path too.

A detector match sends the text to the exact path, so the fast path can
only add candidates, never lose one.
"""

from __future__ import annotations

import re
import string
import unicodedata
import warnings
from collections.abc import Iterable
from functools import lru_cache
from re import _parser as _sre_parser  # type: ignore[attr-defined]
from typing import Any

from policy.screening import charsets

ASCII_SEPARATORS = bytes(c for c in range(128) if not chr(c).isalnum())
LOWER = bytes.maketrans(string.ascii_uppercase.encode(), string.ascii_lowercase.encode())
# What Chinese posts put between characters; each is deleted before
# encoding only if the exact path treats it as a separator that folds to
# ASCII separators (or to itself), which `_deletable` checks.
CJK_PUNCTUATION = "，。、！？：；“”‘’（）《》【】…\u3000「」『』—～·"
_CASE_LIMIT = 0x20000  # every character with a case mapping lies below this
_RANGES_PER_PATTERN = 500  # at most ~13,000 characters of pattern, under hyperscan's 16,000


def _ranges(codepoints: Iterable[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for cp in sorted(set(codepoints)):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


def _class_body(ranges: Iterable[list[int]]) -> str:
    return "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}"
                   for a, b in ranges)


def hs_class(codepoints: Iterable[int]) -> str:
    """A hyperscan (UTF-8 mode) class body for `codepoints`, as ranges."""
    return _class_body(_ranges(codepoints))


def hs_classes(codepoints: Iterable[int]) -> list[str]:
    """Single-class patterns for `codepoints`, split under hyperscan's pattern length limit."""
    ranges = _ranges(codepoints)
    return [f"[{_class_body(ranges[i:i + _RANGES_PER_PATTERN])}]"
            for i in range(0, len(ranges), _RANGES_PER_PATTERN)]


class Skeleton:
    """Skeletons and detectors for one folding option; build with `get_skeleton`."""

    __slots__ = ("_strip", "flagged", "punctuation", "variants")

    def __init__(self, fold_traditional: bool) -> None:
        table = charsets.fold_table(fold_traditional)
        self.punctuation = _deletable(table)
        self.variants = _variants(table)
        self.flagged = _flagged(table, self.variants, self.punctuation)
        self._strip = re.compile(f"[{re.escape(''.join(map(chr, sorted(self.punctuation))))}]")

    def text(self, text: str) -> bytes:
        """The raw text's skeleton; UnicodeEncodeError on a lone surrogate."""
        if not text.isascii():
            text = self._strip.sub("", text)
        return text.encode("utf-8").translate(LOWER, ASCII_SEPARATORS)

    def term(self, normalized: str) -> str:
        """A normalised term's skeleton, as text."""
        return self.text(normalized).decode("utf-8")

    def pattern(self, skeleton: str) -> str:
        """A hyperscan pattern for a skeleton, Han variants as classes."""
        out = []
        for ch in skeleton:
            variants_of = self.variants.get(ch)
            if variants_of:
                out.append(f"[{hs_class([ord(ch), *map(ord, variants_of)])}]")
            elif ch.isascii():
                out.append(ch)  # only letters and digits survive skeletonising
            else:
                out.append(f"\\x{{{ord(ch):x}}}")
        return "".join(out)

    def variant_sources(self) -> list[str]:
        """Every Han character that folds to another (traditional, radicals)."""
        return sorted(c for chars in self.variants.values() for c in chars)

    def detectors(self) -> list[str]:
        """Patterns for everything the skeleton (and `pattern`) cannot stand in for."""
        cjk = hs_class(cp for a, b in charsets.CJK_RANGES for cp in range(a, b + 1))
        seps = set(charsets.bmp_separators()) - self.punctuation
        seps -= set(range(128))
        seps.update(cp for a, b in charsets.astral_separator_ranges() for cp in range(a, b + 1))
        return [*hs_classes(self.flagged), f"[{cjk}][{hs_class(seps)}]+[{cjk}]"]

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
    # Surrogates never reach the scan (encoding fails first) and are no UTF-8.
    return frozenset(cp for cp in flagged if not 0xD800 <= cp <= 0xDFFF)


@lru_cache(maxsize=2)
def get_skeleton(fold_traditional: bool) -> Skeleton:
    return Skeleton(fold_traditional)
