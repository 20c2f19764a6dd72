"""Mastodon's Filter (v2), FilterKeyword, FilterStatus, V1 Filter, and the
FilterResults that mark a status a viewer's filters match."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from node.keys import DB
from storage import filters
from storage.filters import ActiveFilter, FilterRow, FilterStatusRow, KeywordRow
from storage.statuses import StatusRow, get_statuses


def serialize_keyword(row: KeywordRow) -> dict[str, Any]:
    return {"id": str(row.id), "keyword": row.keyword, "whole_word": bool(row.whole_word)}


def serialize_filter_status(row: FilterStatusRow) -> dict[str, Any]:
    return {"id": str(row.id), "status_id": str(row.status_id)}


def serialize_filter(row: FilterRow, keywords: Sequence[KeywordRow] | None = None,
                     statuses: Sequence[FilterStatusRow] | None = None) -> dict[str, Any]:
    """With keywords and statuses, as the filters API returns it; without
    them, as inside a FilterResult on a status."""
    body: dict[str, Any] = {
        "id": str(row.id), "title": row.title, "context": row.contexts,
        "expires_at": row.expires_at, "filter_action": row.filter_action,
    }
    if keywords is not None:
        body["keywords"] = [serialize_keyword(k) for k in keywords]
    if statuses is not None:
        body["statuses"] = [serialize_filter_status(s) for s in statuses]
    return body


def serialize_v1_filter(row: FilterRow, keyword: KeywordRow) -> dict[str, Any]:
    """The v1 view: one keyword is one filter; `irreversible` is `hide`."""
    return {
        "id": str(keyword.id), "phrase": keyword.keyword, "context": row.contexts,
        "whole_word": bool(keyword.whole_word), "expires_at": row.expires_at,
        "irreversible": row.filter_action == "hide",
    }


# ---- which of a viewer's filters a status matches (Status.filtered) ---------

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.IGNORECASE)


def keyword_pattern(keyword: KeywordRow) -> re.Pattern[str]:
    """Mastodon's rule: case-insensitive; a whole-word keyword needs a word
    boundary at each end that is a word character."""
    text = re.escape(keyword.keyword)
    if keyword.whole_word:
        start = r"\b" if re.match(r"\w", keyword.keyword) else ""
        end = r"\b" if re.search(r"\w\Z", keyword.keyword) else ""
        text = f"{start}{text}{end}"
    return re.compile(text, re.IGNORECASE)


def searchable_text(row: StatusRow) -> str:
    """Content warning and text, as filters see them (HTML made plain)."""
    body = row.text if row.local and row.text else html.unescape(_TAG.sub("", _BREAK.sub("\n", row.content)))
    return "\n\n".join(part for part in (row.spoiler_text, body) if part)


def _result(active: ActiveFilter, row: StatusRow, proper: StatusRow) -> dict[str, Any] | None:
    text = searchable_text(proper)
    words = [m.group(0) for k in active.keywords if (m := keyword_pattern(k).search(text))]
    ids = [str(i) for i in dict.fromkeys((row.id, proper.id)) if i in active.status_ids]
    if not words and not ids:
        return None
    return {"filter": serialize_filter(active.row), "keyword_matches": words or None,
            "status_matches": ids or None}


async def filter_results(app: web.Application, rows: Sequence[StatusRow],
                         viewer_id: int | None) -> dict[int, list[dict[str, Any]]]:
    """FilterResults per status id for the viewer's unexpired filters, in
    every context (clients apply the filter's `context`), as Mastodon's
    `filtered`. A boost is matched by what it boosts. As in Mastodon, your
    own posts are never filtered for you (and need no query)."""
    rows = [r for r in rows if r.account_id != viewer_id]
    if viewer_id is None or not rows:
        return {}
    active = await filters.active_filters(app[DB], viewer_id)
    if not active:
        return {}
    given = {r.id: r for r in rows}
    missing = [r.reblog_of_id for r in rows if r.reblog_of_id and r.reblog_of_id not in given]
    given.update({r.id: r for r in await get_statuses(app[DB], missing)})
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        proper = given.get(row.reblog_of_id, row) if row.reblog_of_id else row
        results = [r for f in active if (r := _result(f, row, proper)) is not None]
        if results:
            out[row.id] = results
    return out
