"""Mastodon-style JSON errors: {"error": "..."} with the right status."""

from __future__ import annotations

import json

from aiohttp import web


def json_error(status: int, message: str, **extra: object) -> web.HTTPException:
    """An exception a handler raises; the body is Mastodon's error shape."""
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


class _PayloadTooLarge(web.HTTPClientError):
    """413 without aiohttp's HTTPRequestEntityTooLarge, whose constructor
    wants sizes and writes its own text body."""

    status_code = 413


_STATUS_CLASSES: tuple[type[web.HTTPException], ...] = (
    web.HTTPBadRequest, web.HTTPUnauthorized, web.HTTPForbidden, web.HTTPNotFound,
    web.HTTPMethodNotAllowed, web.HTTPConflict, web.HTTPGone, _PayloadTooLarge,
    web.HTTPUnprocessableEntity, web.HTTPTooManyRequests, web.HTTPInternalServerError,
    web.HTTPServiceUnavailable,
)


def bad_request(message: str) -> web.HTTPException:
    return json_error(400, message)


def unprocessable(message: str, **extra: object) -> web.HTTPException:
    return json_error(422, message, **extra)


def not_found(message: str = "Record not found") -> web.HTTPException:
    return json_error(404, message)


def forbidden(message: str = "This action is not allowed") -> web.HTTPException:
    return json_error(403, message)


def unauthorized(message: str = "The access token is invalid") -> web.HTTPException:
    return json_error(401, message)
