"""Full-text index of statuses: jieba tokens in an FTS5 table.

SQLite's unicode61 tokenizer sees unspaced Chinese as one long token, so
the text is cut into words with jieba first and stored space-separated;
queries are cut the same way. `cut_for_search` also emits the shorter
words inside long ones (北京市 -> 北京, 京市, 北京市).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

import jieba

from storage.clock import now_iso
from storage.database import Database, Writer

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_WORD = re.compile(r"\w", re.UNICODE)
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{2,}")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def warm_up() -> None:
    """Load jieba's dictionary now (about a second), not inside the first
    request that indexes a post, which would stall every other request."""
    jieba.initialize()


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


@dataclass(frozen=True, slots=True)
class _FullText:
    """The full-text index in one dialect: SQLite's FTS5 table (rowid = the
    status id, a MATCH expression) or PostgreSQL's tsvector of the same
    words, stored as lexemes as they are (no parser, no stemming)."""

    key: str  # the column holding the status id
    insert: str
    delete: str
    match: str  # a WHERE condition on :match
    words: Callable[[list[str]], object]  # the tokens as the insert's parameter
    quote: Callable[[str], str]  # one word in a query
    any_of: str
    all_of: str


def _fts5_quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _tsquery_quote(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


_FULL_TEXT = {
    "sqlite": _FullText(
        key="rowid", insert="INSERT INTO statuses_fts (rowid, tokens) VALUES (?, ?)",
        delete="DELETE FROM statuses_fts WHERE rowid = ?", match="statuses_fts MATCH :match",
        words=" ".join, quote=_fts5_quote, any_of=" OR ", all_of=" AND "),
    "postgresql": _FullText(
        key="status_id", insert="INSERT INTO statuses_fts (status_id, tokens) VALUES (?, array_to_tsvector(?::text[]))",
        delete="DELETE FROM statuses_fts WHERE status_id = ?", match="statuses_fts.tokens @@ :match::tsquery",
        words=lambda words: sorted(set(words)), quote=_tsquery_quote, any_of=" | ", all_of=" & "),
}


async def index_status(w: Writer, status_id: int, plain_text: str) -> None:
    fts = _FULL_TEXT[w.dialect.name]
    await w.execute(fts.delete, (status_id,))
    words = index_tokens(plain_text)
    if words:
        await w.execute(fts.insert, (status_id, fts.words(words)))


async def index_new_statuses(w: Writer, posts: list[tuple[int, str]]) -> None:
    """Index statuses that were just created (no old row to replace), in
    one statement for a whole batch of posts."""
    fts = _FULL_TEXT[w.dialect.name]
    rows = [(sid, fts.words(words)) for sid, text in posts if (words := index_tokens(text))]
    if rows:
        await w.executemany(fts.insert, rows)


async def unindex_status(w: Writer, status_id: int) -> None:
    await w.execute(_FULL_TEXT[w.dialect.name].delete, (status_id,))


def fts_query(query: str, dialect: str = "sqlite") -> str | None:
    """A query in the index's own syntax: every word of the query, each quoted."""
    words = tokens(query)
    if not words:
        return None
    fts = _FULL_TEXT[dialect]
    return fts.all_of.join(_term(fts, w) for w in dict.fromkeys(words))


def _term(fts: _FullText, word: str) -> str:
    # A Chinese word matches as itself or as all of its bigrams.
    if _CJK_RUN.fullmatch(word) and len(word) > 2:
        grams = fts.all_of.join(fts.quote(g) for g in _bigrams(word))
        return f"({fts.quote(word)}{fts.any_of}({grams}))"
    return fts.quote(word)


async def search_status_ids(db: Database, query: str, limit: int, offset: int = 0) -> list[int]:
    fts = _FULL_TEXT[db.dialect.name]
    match = fts_query(query, db.dialect.name)
    if match is None:
        return []
    rows = await db.fetchall(
        f"SELECT {fts.key} FROM statuses_fts WHERE {fts.match} ORDER BY {fts.key} DESC LIMIT :limit OFFSET :offset",
        {"match": match, "limit": limit, "offset": offset},
    )
    return [r[0] for r in rows]


# ---- what a viewer may find --------------------------------------------------

_BLOCKED = (
    "SELECT target_id FROM blocks WHERE account_id = :viewer"
    " UNION SELECT account_id FROM blocks WHERE target_id = :viewer"
)
# Statuses of muted accounts are hidden too; the accounts stay findable
# (to be unmuted).
_HIDDEN = (
    f"{_BLOCKED} UNION SELECT target_id FROM mutes WHERE account_id = :viewer"
    " AND (expires_at IS NULL OR expires_at > :now)"
)
# Own statuses; others' when published and (public or unlisted by an
# indexable account, followers-only from someone the viewer follows, or
# mentioning the viewer).
_VISIBLE = (
    "(s.account_id = :viewer OR (s.state = 'published' AND a.suspended_at IS NULL"
    f" AND s.account_id NOT IN ({_HIDDEN}) AND ("
    " (s.visibility IN ('public', 'unlisted') AND a.indexable = 1)"
    " OR (s.visibility = 'private' AND EXISTS (SELECT 1 FROM follows fo WHERE fo.account_id = :viewer"
    "     AND fo.target_id = s.account_id AND fo.frozen = 0))"
    " OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = :viewer))))"
)


@dataclass(frozen=True, slots=True)
class StatusQuery:
    text: str
    viewer_id: int
    account_id: int | None = None
    max_id: int | None = None
    min_id: int | None = None
    limit: int = 20
    offset: int = 0


async def search_visible_status_ids(db: Database, q: StatusQuery) -> list[int]:
    """Ids of statuses matching `q.text` that the viewer may see, newest first."""
    fts = _FULL_TEXT[db.dialect.name]
    match = fts_query(q.text, db.dialect.name)
    if match is None:
        return []
    where = [fts.match, "s.deleted_at IS NULL", "s.reblog_of_id IS NULL", _VISIBLE]
    args: dict[str, object] = {"match": match, "viewer": q.viewer_id, "now": now_iso(),
                               "limit": q.limit, "offset": q.offset}
    for column, op, value in (("s.account_id", "=", q.account_id), ("s.id", "<", q.max_id),
                              ("s.id", ">", q.min_id)):
        if value is not None:
            name = f"p{len(args)}"
            where.append(f"{column} {op} :{name}")
            args[name] = value
    rows = await db.fetchall(
        f"SELECT s.id FROM statuses_fts JOIN statuses s ON s.id = statuses_fts.{fts.key}"
        " JOIN accounts a ON a.id = s.account_id"
        f" WHERE {' AND '.join(where)} ORDER BY s.id DESC LIMIT :limit OFFSET :offset", args)
    return [r[0] for r in rows]


@dataclass(frozen=True, slots=True)
class AccountQuery:
    text: str
    viewer_id: int | None
    following_only: bool = False
    limit: int = 20
    offset: int = 0


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_account_ids(db: Database, q: AccountQuery) -> list[int]:
    """Accounts whose username or display name starts with the text (any
    word of the display name; anywhere in it for Chinese, which has no
    spaces), case-insensitively: exact username first, then accounts the
    viewer follows, local before remote, most followed first."""
    text = q.text.lower()
    if not text:
        return []
    name_match = f"%{_like(text)}%" if _CJK_CHAR.search(text) else f"{_like(text)}%"
    args: dict[str, object] = {"exact": text, "prefix": f"{_like(text)}%", "name": name_match,
                               "word": f"% {_like(text)}%", "viewer": q.viewer_id or 0,
                               "limit": q.limit, "offset": q.offset}
    followed = "SELECT target_id FROM follows WHERE account_id = :viewer"
    where = [
        "a.suspended_at IS NULL",
        "(lower(a.username) LIKE :prefix ESCAPE '\\' OR lower(a.display_name) LIKE :name ESCAPE '\\'"
        " OR lower(a.display_name) LIKE :word ESCAPE '\\')",
        f"a.id NOT IN ({_BLOCKED})",
    ]
    if q.following_only:
        where.append(f"a.id IN ({followed})")
    rows = await db.fetchall(
        f"SELECT a.id FROM accounts a WHERE {' AND '.join(where)}"
        f" ORDER BY lower(a.username) = :exact DESC, a.id IN ({followed}) DESC, a.domain IS NULL DESC,"
        " a.followers_count DESC, a.id LIMIT :limit OFFSET :offset", args)
    return [r[0] for r in rows]


async def visible_account_ids(db: Database, ids: list[int], viewer_id: int | None,
                              following_only: bool = False) -> list[int]:
    """Of `ids` (in order), those not suspended nor hidden from the viewer."""
    if not ids:
        return []
    names = [f"id{n}" for n in range(len(ids))]
    args: dict[str, object] = {**dict(zip(names, ids)), "viewer": viewer_id or 0}
    extra = " AND id IN (SELECT target_id FROM follows WHERE account_id = :viewer)" if following_only else ""
    rows = await db.fetchall(
        f"SELECT id FROM accounts WHERE id IN ({','.join(':' + n for n in names)})"
        f" AND suspended_at IS NULL AND id NOT IN ({_BLOCKED}){extra}", args)
    found = {r[0] for r in rows}
    return [i for i in ids if i in found]


async def ids_at_url(db: Database, url: str) -> tuple[list[int], list[int]]:
    """(account ids, status ids) whose ActivityPub id or web address is `url`."""
    found_accounts = await db.fetchall(
        "SELECT id FROM accounts WHERE uri = ? OR url = ? ORDER BY id LIMIT 1", (url, url))
    found_statuses = await db.fetchall(
        "SELECT id FROM statuses WHERE (uri = ? OR url = ?) AND reblog_of_id IS NULL ORDER BY id LIMIT 1",
        (url, url))
    return [r[0] for r in found_accounts], [r[0] for r in found_statuses]
