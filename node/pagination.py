"""Mastodon's paging for every list endpoint.

In: `max_id`, `since_id`, `min_id`, `limit` from the query string
(`read_page`). Out: a `Link` header (`paginate`) whose `next` asks for
items older than the last one shown (`max_id`) and whose `prev` asks for
items newer than the first one shown (`min_id`); no header for an empty
page. Other query parameters (`limit`, `local`, `any[]`...) are kept.

The ids in the header are whatever the list pages by: status ids for
timelines, bookmark or favourite row ids for those lists, notification
ids, follow row ids. Usage:

    page = read_page(request)
    rows = await storage_query(db, page)          # newest first
    return web.json_response(body, headers=paginate(request, [r.id for r in rows]))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import quote, urlencode

from aiohttp import web

from node.api.path_ids import MAX_ID
from node.errors import invalid_param
from node.keys import CONFIG
from storage.timelines import Page, newest_first, page_sql

__all__ = ["Page", "newest_first", "page_sql", "read_page", "paginate", "paginate_list", "link_header"]

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
_PAGING = frozenset({"max_id", "since_id", "min_id"})
_LIMIT = re.compile(r"[-+]?[0-9]+")


def _id_param(request: web.Request, name: str) -> int | None:
    """An id bound: absent -> None; not a number -> 422 with details; past
    the 64-bit id space -> the largest id (so `max_id` keeps every row
    and `since_id`/`min_id` none, as their meaning says)."""
    value = request.query.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise invalid_param(name, "must be an id")
    return min(int(value), MAX_ID) if len(value) < 40 else MAX_ID


def read_limit(request: web.Request, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    """Mastodon's limit_param: absent -> default, else |limit| clamped to [1, maximum]."""
    raw = request.query.get("limit", "").strip()
    if not raw:
        return default
    if not _LIMIT.fullmatch(raw):
        return default
    value = abs(int(raw)) if len(raw) < 40 else maximum
    return max(1, min(value, maximum))


def read_page(request: web.Request, *, default_limit: int = DEFAULT_LIMIT, max_limit: int = MAX_LIMIT) -> Page:
    return Page(limit=read_limit(request, default_limit, max_limit),
                max_id=_id_param(request, "max_id"),
                since_id=_id_param(request, "since_id"),
                min_id=_id_param(request, "min_id"))


def _page_url(request: web.Request, name: str, value: int | str) -> str:
    kept = [(k, v) for k, v in request.query.items() if k not in _PAGING]
    query = urlencode([*kept, (name, str(value))])
    return f"{request.app[CONFIG].node.base_url}{quote(request.path)}?{query}"


def link_header(request: web.Request, ids: Sequence[int | str]) -> str | None:
    """`<...max_id=oldest>; rel="next", <...min_id=newest>; rel="prev"`; None when empty."""
    if not ids:
        return None
    next_url = _page_url(request, "max_id", ids[-1])
    prev_url = _page_url(request, "min_id", ids[0])
    return f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'


def paginate(request: web.Request, ids: Sequence[int | str]) -> dict[str, str]:
    """Headers for a page whose items have `ids`, newest first: {} when empty."""
    link = link_header(request, ids)
    return {"Link": link} if link else {}


def paginate_list(request: web.Request, page: Page, ids: Sequence[int | str]) -> dict[str, str]:
    """As `paginate`, for lists that end (accounts, domains, requests): no
    `next` once a page paging older comes back short, as Mastodon's
    records_continue?."""
    link = link_header(request, ids)
    if link is None:
        return {}
    paging_newer = page.min_id is not None or page.since_id is not None
    if len(ids) < page.limit and not paging_newer:
        link = link.split(", ", 1)[1]  # the list ends here: only "prev"
    return {"Link": link}
