"""Ids in URL paths: Mastodon answers 404, not 422, for one that is not a number.

Only ASCII digits make an id: `str.isdigit` also accepts `¹` or `٣`, which
`int()` then refuses or reads as another number. Ids are 64-bit signed
integers in storage, so a longer number is no id either.
"""

from __future__ import annotations

import re

from aiohttp import web

from node.errors import not_found

MAX_ID = (1 << 63) - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: object) -> int | None:
    """The id `value` spells (surrounding spaces allowed), or None."""
    text = str(value).strip() if value is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def path_id(request: web.Request, name: str = "id") -> int:
    text = request.match_info.get(name, "")
    number = parse_id(text) if text == text.strip() else None
    if number is None:
        raise not_found()
    return number


def id_param(value: object) -> int | None:
    """An id from a parameter (max_id, account_id...); None if absent or
    not a number, as Mastodon ignores ids it cannot parse."""
    return parse_id(value)
