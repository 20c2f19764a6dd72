"""Word boundaries, for `word:` terms.

A word term hits only where it starts and ends on a word boundary: for a
Latin-script end, the neighbouring character is not a letter or digit
(like `\\b`); for a Chinese end, jieba's segmentation of the text puts a
boundary there (so 博彩 does not hit inside 赌博彩票, which jieba reads
赌博/彩票). jieba is consulted only when a word term matched, once per
text, and is imported and its dictionary loaded (about 1 s, tens of MB)
once per process, quietly, when a policy first needs it.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from typing import TYPE_CHECKING

from policy.screening.charsets import is_cjk

if TYPE_CHECKING:
    import jieba  # imported for real by get_tokenizer

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def get_tokenizer() -> jieba.Tokenizer:
    """The process's own jieba tokenizer (not jieba's global one)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                # Imported only now: importing jieba alone takes about 20 MB
                # (its tables), and most policies have no Chinese word term.
                import jieba
                # jieba logs "Building prefix dict..." at DEBUG to its own
                # stderr handler; keep only its warnings.
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
                logger.info("jieba dictionary loaded")
    return _tokenizer


def segment_boundaries(text: str) -> frozenset[int]:
    """Positions in `text` where jieba starts or ends a token."""
    marks = {0, len(text)}
    for _word, start, end in get_tokenizer().tokenize(text):
        marks.add(start)
        marks.add(end)
    return frozenset(marks)


def _latin_word_char(ch: str) -> bool:
    # Combining marks count: after NFKD "café" ends in e + U+0301.
    return (ch.isalnum() or unicodedata.category(ch) == "Mn") and not is_cjk(ch)


class WordChecker:
    """Boundary checks for one normalised text; segments it at most once."""

    __slots__ = ("_text", "_cuts", "_segments")

    def __init__(self, text: str, cuts: frozenset[int]) -> None:
        self._text = text
        self._cuts = cuts  # where separators were dropped: boundaries as written
        self._segments: frozenset[int] | None = None

    def is_word(self, start: int, end: int) -> bool:
        return self._boundary(start, inner=start, outer=start - 1) and \
            self._boundary(end, inner=end - 1, outer=end)

    def _boundary(self, pos: int, *, inner: int, outer: int) -> bool:
        text = self._text
        if outer < 0 or outer >= len(text) or pos in self._cuts:
            return True
        inside, outside = text[inner], text[outer]
        if not is_cjk(inside):
            return not _latin_word_char(outside)
        if not is_cjk(outside):
            return True
        if self._segments is None:
            self._segments = segment_boundaries(text)
        return pos in self._segments
