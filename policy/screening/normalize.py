"""Text normalisation for matching, with a map back to the original text.

One definition, two implementations that agree by construction:

1. drop runs of separators (spaces, punctuation, symbols, invisible
   characters, combining marks) between two Han characters, so "博 彩",
   "博*彩", "博.彩" and "博\u200b彩" all read "博彩";
2. `str.casefold`;
3. per character, `charsets.fold_table`: compatibility decomposition
   (full-width and styled letters), deletion of zero-width and bidi
   controls, optionally traditional to simplified.

`normalize` is the hot path and uses only C-speed primitives: an ASCII
short cut, one `re.sub` for step 1, `casefold`, and a table translate of
just the runs of characters that change (found by a second `re.sub`).
Per-character Python (or `str.translate` over the whole text, which
looks every character up in a dict) would be 5-10x slower.
`mapped` walks the text in Python to build the offset map; screening
calls it only for a field that has a candidate hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from policy.screening import charsets


@dataclass(frozen=True, slots=True)
class Mapped:
    """Normalised text plus, for each of its characters, the original span."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    cuts: frozenset[int]  # normalised positions where separators were dropped

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) behind normalised [start, end)."""
        return self.starts[start], self.ends[end - 1]


class Normalizer:
    """Normalisation with fixed options; build with `get_normalizer`."""

    __slots__ = ("fold_traditional", "_table", "_bmp", "_full")

    def __init__(self, fold_traditional: bool) -> None:
        self.fold_traditional = fold_traditional
        self._table = charsets.fold_table(fold_traditional)
        self._bmp = self._compile(astral=False)
        self._full = self._compile(astral=True)

    def _compile(self, *, astral: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """The separator and fold-run patterns, with or without astral ranges.

        Ranges beyond U+FFFF take `re` off its bitmap fast path (a search
        gets about 5x slower), so texts without astral characters, nearly
        all of them, use patterns that leave those ranges out.
        """
        cjk = charsets.cjk_class(astral=astral)
        sep = charsets.separator_class(astral=astral)
        fold = charsets.char_class(cp for cp in self._table if cp < 0x10000)
        if astral:
            fold += charsets.astral_fold_class(self._table)
        # Starting with the separator class (the lookbehind comes after the
        # first separator) lets `re` skip from separator to separator in C
        # rather than try a match at every position.
        separators = re.compile(f"[{sep}](?<=[{cjk}][{sep}])[{sep}]*(?=[{cjk}])")
        # `[x][x]*`, not `[x]+`: a leading repeat hides the class from
        # `re`'s first-character scan, which made the search 2.5x slower.
        return separators, re.compile(f"[{fold}][{fold}]*")

    def normalize(self, text: str) -> str:
        if text.isascii():
            return text.lower()  # ASCII: casefold is lower, nothing else applies
        # UTF-16 is twice the length exactly when every character is in the BMP.
        bmp = len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text)
        separators, runs = self._bmp if bmp else self._full
        text = separators.sub("", text).casefold()
        table = self._table
        # Without a match `sub` returns its input: a search first would
        # only scan twice.
        return runs.sub(lambda m: m.group().translate(table), text)

    def mapped(self, text: str) -> Mapped:
        if text.isascii():
            n = len(text)
            return Mapped(text.lower(), tuple(range(n)), tuple(range(1, n + 1)), frozenset())
        table = self._table
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        cuts: set[int] = set()
        separators = self._full[0]
        dropped = {i for m in separators.finditer(text) for i in range(*m.span())}
        length = 0
        for i, ch in enumerate(text):
            if i in dropped:
                if i == 0 or i - 1 not in dropped:
                    cuts.add(length)
                continue
            piece = ch.casefold().translate(table)
            out.append(piece)
            starts.extend([i] * len(piece))
            ends.extend([i + 1] * len(piece))
            length += len(piece)
        return Mapped("".join(out), tuple(starts), tuple(ends), frozenset(cuts))


@lru_cache(maxsize=2)
def get_normalizer(fold_traditional: bool) -> Normalizer:
    """One normalizer per option set per process (the tables are shared)."""
    return Normalizer(fold_traditional)
