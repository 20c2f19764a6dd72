"""What an inbox POST must look like before its body is parsed.

A media type of ActivityPub (`application/activity+json`,
`application/ld+json` with the ActivityStreams profile, or plain
`application/json`, which Mastodon tolerates too) with no charset or
UTF-8: anything else is 415 before the body is read. The body is UTF-8
JSON: a byte order mark or UTF-16/32 (which `json.loads` would guess
and accept from bytes) is 415 too, invalid UTF-8 400. Strings may not
hold lone surrogates (`"\\ud800"` parses, but no UTF-8 encoder can store
it): 400, so a stored row can always be written and read back.
"""

from __future__ import annotations

import json
from email.message import Message
from typing import Any

from aiohttp import web

from federation.fetch import FetchError, JsonLimits, parse_json_limited
from federation.shapes import ShapeError, check_activity

INBOX_JSON_LIMITS = JsonLimits(max_depth=32, max_items=1000)
ACTIVITY_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json", "application/json"})
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


class BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def check_media_type(headers: Any) -> None:
    """415 unless the Content-Type is an ActivityPub media type in UTF-8."""
    raw = headers.get("Content-Type", "")
    parsed = Message()
    parsed["content-type"] = raw
    media_type = parsed.get_content_type() if raw else ""
    charset = (parsed.get_param("charset") or "utf-8") if raw else ""
    if media_type not in ACTIVITY_MEDIA_TYPES or str(charset).lower() not in ("utf-8", "utf8"):
        raise BodyError(415, "an activity is application/activity+json (or ld+json) in UTF-8")


async def read_body(request: web.Request, limit: int) -> bytes:
    """The body, refusing (413) past `limit` before reading and while reading."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyError(413, f"body over {limit} bytes")
    body = bytearray()
    async for chunk in request.content.iter_chunked(65536):
        body += chunk
        if len(body) > limit:
            raise BodyError(413, f"body over {limit} bytes")
    return bytes(body)


def parse_activity(body: bytes) -> tuple[dict[str, Any], str]:
    """(the activity, its JSON text as stored); BodyError 400/415 otherwise."""
    if body.startswith(BOMS) or b"\x00" in body[:4]:
        raise BodyError(415, "an activity is UTF-8 without a byte order mark")
    try:  # without a BOM or NULs, json reads bytes as UTF-8 (invalid UTF-8: 400)
        activity = parse_json_limited(body, INBOX_JSON_LIMITS)
    except FetchError as exc:
        raise BodyError(400, f"unreadable JSON: {exc.detail or exc.reason}") from None
    if not isinstance(activity, dict):
        raise BodyError(400, "an activity is a JSON object")
    try:
        check_activity(activity)
    except ShapeError as exc:
        raise BodyError(400, f"malformed activity: {exc}") from None
    stored = json.dumps(activity, ensure_ascii=False)
    try:
        stored.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError(400, "a string holds a lone surrogate (not Unicode text)") from None
    return activity, stored
