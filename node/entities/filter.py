"""Mastodon's Filter (v2), FilterKeyword, FilterStatus and V1 Filter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage.filters import FilterRow, FilterStatusRow, KeywordRow


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
