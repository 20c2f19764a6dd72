"""Full-text index of statuses: jieba tokens in an FTS5 table.

SQLite's unicode61 tokenizer sees unspaced Chinese as one long token, so
the text is cut into words with jieba first and stored space-separated;
queries are cut the same way. `cut_for_search` also emits the shorter
words inside long ones (北京市 -> 北京, 京市, 北京市).
"""

from __future__ import annotations

import logging
import re

import jieba

from storage.database import Database, Writer

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_WORD = re.compile(r"\w", re.UNICODE)
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")


def tokens(text: str) -> list[str]:
    return [t.lower() for t in jieba.cut_for_search(text) if _WORD.search(t)]


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> list[str]:
    """jieba's words plus every CJK character bigram.

    jieba may cut 微博客 as 微/博客, and then a search for 微博 would miss;
    the bigrams make any two-or-more-character word findable whatever way
    the segmenter cut the post.
    """
    words = tokens(text)
    for run in _CJK_RUN.findall(text):
        words.extend(_bigrams(run))
    return words


async def index_status(w: Writer, status_id: int, plain_text: str) -> None:
    await w.execute("DELETE FROM statuses_fts WHERE rowid = ?", (status_id,))
    words = index_tokens(plain_text)
    if words:
        await w.execute("INSERT INTO statuses_fts (rowid, tokens) VALUES (?, ?)", (status_id, " ".join(words)))


async def unindex_status(w: Writer, status_id: int) -> None:
    await w.execute("DELETE FROM statuses_fts WHERE rowid = ?", (status_id,))


def fts_query(query: str) -> str | None:
    """An FTS5 MATCH expression: every token of the query, each quoted."""
    words = tokens(query)
    if not words:
        return None
    return " AND ".join(_term(w) for w in dict.fromkeys(words))


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _term(word: str) -> str:
    # A Chinese word matches as itself or as all of its bigrams.
    if _CJK_RUN.fullmatch(word) and len(word) > 2:
        grams = " AND ".join(_quote(g) for g in _bigrams(word))
        return f"({_quote(word)} OR ({grams}))"
    return _quote(word)


async def search_status_ids(db: Database, query: str, limit: int, offset: int = 0) -> list[int]:
    match = fts_query(query)
    if match is None:
        return []
    rows = await db.fetchall(
        "SELECT rowid FROM statuses_fts WHERE statuses_fts MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?",
        (match, limit, offset),
    )
    return [r[0] for r in rows]
