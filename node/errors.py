"""Mastodon-style JSON errors: {"error": "..."} with the right status.

Every 422 also carries Mastodon's validation `details`
(`{field: [{"error": "ERR_INVALID", "description": "..."}]}`), which the
API description requires of most operations: the caller names the field
when it knows it, else the errors are filed under `base`, as Rails files
an error that belongs to no single attribute.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from aiohttp import web

from node.i18n import N_

Details = dict[str, list[dict[str, str]]]

_VALIDATION_PREFIX = "Validation failed: "


def json_error(status: int, message: str, **extra: object) -> web.HTTPException:
    """An exception a handler raises; the body is Mastodon's error shape."""
    if status == 422 and "details" not in extra:
        extra["details"] = details_for(message)
    body = json.dumps({"error": message, **extra}, ensure_ascii=False)
    cls = web.HTTPException
    for candidate in _STATUS_CLASSES:
        if candidate.status_code == status:
            cls = candidate
            break
    exc = cls(text=body, content_type="application/json")
    if cls is web.HTTPException:
        exc.set_status(status)
    return exc


def method_not_allowed(allowed: Iterable[str]) -> web.HTTPException:
    """405 with the `Allow` header (aiohttp's own class wants the method and
    writes a text body, hence the plain exception)."""
    exc = json_error(405, "Method not allowed")
    exc.headers["Allow"] = ", ".join(sorted(set(allowed)))
    return exc


def error_code(description: str) -> str:
    """Rails' error keys as Mastodon sends them, from the message's wording."""
    text = description.lower()
    if "blank" in text:
        return "ERR_BLANK"
    if "too long" in text or "character limit" in text or "too many" in text:
        return "ERR_TOO_LONG"
    if "already" in text or "taken" in text:
        return "ERR_TAKEN"
    return "ERR_INVALID"


def details_for(message: str, field: str = "base") -> Details:
    description = message.removeprefix(_VALIDATION_PREFIX)
    if field != "base":
        description = description.removeprefix(f"{field} ")
    return {field: [{"error": error_code(description), "description": description}]}


class _PayloadTooLarge(web.HTTPClientError):
    """413 without aiohttp's HTTPRequestEntityTooLarge, whose constructor
    wants sizes and writes its own text body."""

    status_code = 413


_STATUS_CLASSES: tuple[type[web.HTTPException], ...] = (
    web.HTTPBadRequest, web.HTTPUnauthorized, web.HTTPForbidden, web.HTTPNotFound,
    web.HTTPConflict, web.HTTPGone, _PayloadTooLarge,
    web.HTTPUnprocessableEntity, web.HTTPTooManyRequests, web.HTTPInternalServerError,
    web.HTTPServiceUnavailable,
)


def bad_request(message: str) -> web.HTTPException:
    return json_error(400, message)


def unprocessable(message: str, *, field: str | None = None, **extra: object) -> web.HTTPException:
    """422; `field` names the parameter the `details` are about."""
    if field is not None and "details" not in extra:
        extra["details"] = details_for(message, field)
    return json_error(422, message, **extra)


def invalid_param(field: str, description: str) -> web.HTTPException:
    """422 "Validation failed: <field> <description>" with details under `field`."""
    return unprocessable(f"{_VALIDATION_PREFIX}{field} {description}", field=field)


def not_found(message: str = N_("Record not found")) -> web.HTTPException:
    return json_error(404, message)


def forbidden(message: str = N_("This action is not allowed")) -> web.HTTPException:
    return json_error(403, message)


def unauthorized(message: str = "The access token is invalid") -> web.HTTPException:
    return json_error(401, message)
