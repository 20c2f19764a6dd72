"""Character classes and the folding table behind normalisation.

Built once per process on first use (about 0.1 s), never at import time.
Everything is derived from `unicodedata` plus the shipped traditional to
simplified table, so the rules are data, not hand-kept lists.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

logger = logging.getLogger(__name__)

# Han ideographs, plus radicals and compatibility ideographs that fold to
# Han: a separator is only dropped when it sits between two of these.
CJK_RANGES = ((0x2E80, 0x2FDF), (0x3005, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
              (0xF900, 0xFAFF), (0x20000, 0x3134F))
# Astral blocks that hold letters in disguise (mathematical alphanumerics,
# enclosed letters), compatibility ideographs and invisible tags.
_ASTRAL_FOLD_BLOCKS = ((0x1D400, 0x1D7FF), (0x1F100, 0x1F1FF), (0x2F800, 0x2FA1F),
                       (0xE0000, 0xE01EF))
# Symbol blocks outside the BMP (emoji and friends) used as separators.
_ASTRAL_SEPARATORS = ((0x1F000, 0x1F0FF), (0x1F200, 0x1FAFF), (0xE0000, 0xE01EF))
_SEPARATOR_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf",
                                   "Po", "Sm", "Sc", "Sk", "So", "Cc", "Cf", "Mn", "Me"})
# Default-ignorable characters that are not category Cf: variation
# selectors, the combining grapheme joiner, Hangul fillers.
_EXTRA_INVISIBLE = ((0x034F, 0x034F), (0x115F, 0x1160), (0x180B, 0x180F), (0x3164, 0x3164),
                    (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xE0100, 0xE01EF))


def char_class(codepoints: Iterable[int]) -> str:
    """A regex character class body for `codepoints`, as ranges."""
    ranges: list[list[int]] = []
    for cp in sorted(set(codepoints)):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                   for a, b in ranges)


def _ranges(pairs: Iterable[tuple[int, int]]) -> Iterable[int]:
    for a, b in pairs:
        yield from range(a, b + 1)


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(a <= cp <= b for a, b in CJK_RANGES)


def _range_class(pairs: Iterable[tuple[int, int]], *, astral: bool) -> str:
    top = 0x10FFFF if astral else 0xFFFF
    return "".join(f"{re.escape(chr(a))}-{re.escape(chr(min(b, top)))}"
                   for a, b in pairs if a <= top)


def cjk_class(*, astral: bool = True) -> str:
    return _range_class(CJK_RANGES, astral=astral)


@lru_cache(maxsize=2)
def separator_class(*, astral: bool = True) -> str:
    """Punctuation, symbols, spaces, controls and marks that fold to no letter.

    `™` (folds to "tm") and `㈱` (folds to "(株)") are letters in disguise,
    so they are not separators. Astral symbols are added as whole blocks:
    a few ranges rather than hundreds keep `re` fast.
    """
    return char_class(bmp_separators()) + (
        _range_class(_ASTRAL_SEPARATORS, astral=True) if astral else "")


@lru_cache(maxsize=1)
def bmp_separators() -> frozenset[int]:
    """The BMP part of `separator_class`, as code points (the fast path needs both)."""
    cjk = set(_ranges(CJK_RANGES))
    return frozenset(cp for cp in range(0x10000)
                     if cp not in cjk and unicodedata.category(chr(cp)) in _SEPARATOR_CATEGORIES
                     and not any(c.isalnum() for c in unicodedata.normalize("NFKD", chr(cp))))


def astral_separator_ranges() -> tuple[tuple[int, int], ...]:
    return _ASTRAL_SEPARATORS


def astral_fold_class(table: dict[int, str | None]) -> str:
    """Astral characters that fold: whole blocks plus the few stragglers."""
    stragglers = (cp for cp in table if cp > 0xFFFF
                  and not any(a <= cp <= b for a, b in _ASTRAL_FOLD_BLOCKS))
    return _range_class(_ASTRAL_FOLD_BLOCKS, astral=True) + char_class(stragglers)


@lru_cache(maxsize=1)
def invisible_codepoints() -> frozenset[int]:
    """Zero-width, bidi and other default-ignorable characters to delete."""
    cps = {cp for cp in range(0x10000) if unicodedata.category(chr(cp)) == "Cf"}
    cps.update(_ranges(_EXTRA_INVISIBLE))
    cps.update(range(0xE0000, 0xE0080))  # tag characters
    # Lone surrogates (JSON can carry them) cannot be encoded as UTF-8,
    # which the automata need; they carry no text either.
    cps.update(range(0xD800, 0xE000))
    return frozenset(cps)


@lru_cache(maxsize=1)
def traditional_table() -> dict[int, str]:
    """The shipped one-to-one traditional -> simplified character table."""
    text = resources.files("policy").joinpath("data/t2s_chars.txt").read_text("utf-8")
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and len(line) == 2:
            table[ord(line[0])] = line[1]
    logger.debug("loaded %d traditional characters", len(table))
    return table


@lru_cache(maxsize=2)
def fold_table(fold_traditional: bool) -> dict[int, str | None]:
    """Per-character folding applied after `str.casefold`.

    Each entry is the fixed point of compatibility decomposition (NFKD:
    full-width and mathematical letters, ligatures), case folding,
    deletion of invisible characters and, when asked, traditional to
    simplified. NFKD rather than NFKC because it needs no context: é and
    e + U+0301 both become e + U+0301 one character at a time, which keeps
    normalisation per character and so the offset map exact.
    """
    base: dict[int, str | None] = {cp: None for cp in invisible_codepoints()}
    if fold_traditional:
        base.update(traditional_table())
    candidates = set(range(0x80, 0x10000)) | set(_ranges(_ASTRAL_FOLD_BLOCKS)) | set(base)
    table: dict[int, str | None] = {}
    for cp in candidates:
        ch = chr(cp)
        folded = _fold_fixpoint(ch, base)
        if folded != ch:
            table[cp] = folded or None
    return table


def _fold_fixpoint(text: str, base: dict[int, str | None]) -> str:
    for _ in range(4):
        folded = unicodedata.normalize("NFKD", text).casefold().translate(base)
        if folded == text:
            break
        text = folded
    return text
