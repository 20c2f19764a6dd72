"""Cross-cutting HTTP behaviour: JSON errors, CORS, security headers."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from node import html
from node.errors import json_error
from node.i18n import N_, _
from node.keys import CONFIG

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_CORS_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/nodeinfo/")


def _wants_json(request: web.Request) -> bool:
    path = request.path
    return path.startswith(("/api/", "/oauth/token", "/oauth/revoke", "/.well-known/", "/nodeinfo/"))


# A person who follows a dead link sees a page in their language, with the
# permit footer; programs asking /api, /.well-known... get Mastodon's JSON.
_PAGE_ERRORS = {404: (N_("Not found"), N_("There is no page at this address.")),
                405: (N_("Method not allowed"), N_("This page does not accept that kind of request."))}


def _error_page(request: web.Request, exc: web.HTTPException) -> web.HTTPException:
    heading, message = _PAGE_ERRORS[exc.status]
    body = html.render("notice.html", heading=_(heading), message=_(message), detail=html.Markup(""))
    text = html.page(request.app[CONFIG], _(heading), body, status=exc.status).text
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return web.HTTPMethodNotAllowed(exc.method, exc.allowed_methods, text=text, content_type="text/html")
    return web.HTTPNotFound(text=text, content_type="text/html")


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown routes and unexpected failures answer in Mastodon's shape."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not _wants_json(request) and exc.status in _PAGE_ERRORS and exc.content_type == "text/plain":
            raise _error_page(request, exc) from None
        if exc.content_type == "application/json" or not _wants_json(request):
            raise
        if exc.status >= 400:
            message = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}.get(
                exc.status, exc.reason
            )
            raise json_error(exc.status, message) from None
        raise
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json(request):
            raise json_error(500, "Internal server error") from None
        raise


@web.middleware
async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Browser clients (Elk, Phanpy) call the API from other origins."""
    if not request.path.startswith(_CORS_PREFIXES):
        return await handler(request)
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        response: web.StreamResponse = web.Response(status=204)
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _add_cors(exc, request)
            raise
    _add_cors(response, request)
    return response


def _add_cors(response: web.StreamResponse, request: web.Request) -> None:
    h = response.headers
    h["Access-Control-Allow-Origin"] = "*"
    h["Access-Control-Allow-Methods"] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    h["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "Authorization, Content-Type, Idempotency-Key"
    )
    h["Access-Control-Expose-Headers"] = "Link, X-RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-Request-Id"
    h["Access-Control-Max-Age"] = "86400"


@web.middleware
async def headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html":
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
        )
    return response
