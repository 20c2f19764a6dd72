"""Ids in URL paths: Mastodon answers 404, not 422, for one that is not a number."""

from __future__ import annotations

from aiohttp import web

from node.errors import not_found

_MAX_ID = (1 << 63) - 1


def path_id(request: web.Request, name: str = "id") -> int:
    text = request.match_info.get(name, "")
    if not text.isdigit() or int(text) > _MAX_ID:
        raise not_found()
    return int(text)


def id_param(value: object) -> int | None:
    """An id from a parameter (max_id, account_id...); None if absent or
    not a number, as Mastodon ignores ids it cannot parse."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and int(text) <= _MAX_ID else None
