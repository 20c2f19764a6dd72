"""Cross-cutting HTTP behaviour: JSON errors, CORS, security headers."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from node import html
from node.errors import json_error, method_not_allowed
from node.i18n import N_, _
from node.keys import CONFIG

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_CORS_PREFIXES = ("/api/", "/oauth/", "/.well-known/", "/nodeinfo/")


# Machine-facing paths answer JSON errors whatever the client accepts; other
# paths (pages) answer JSON unless the client asks for HTML, as a browser does.
_JSON_PREFIXES = ("/api/", "/oauth/token", "/oauth/revoke", "/oauth/userinfo", "/.well-known/",
                  "/nodeinfo/", "/users/", "/inbox", "/actor", "/system/")
_MESSAGES = {404: "Not found", 405: "Method not allowed", 413: "Request body too large"}


def _wants_json(request: web.Request, exc: web.HTTPException | None = None) -> bool:
    if request.path.startswith(_JSON_PREFIXES):
        return True
    if exc is not None and exc.content_type == "text/html":  # a page's own error page
        return False
    return "text/html" not in request.headers.get("Accept", "")


def _as_json(exc: web.HTTPException) -> web.HTTPException:
    """aiohttp's own 4xx (no route, wrong method, body too large) in Mastodon's shape."""
    if isinstance(exc, web.HTTPMethodNotAllowed):
        return method_not_allowed(exc.allowed_methods)
    return json_error(exc.status, _MESSAGES.get(exc.status, exc.reason))


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
    """Unknown routes, wrong methods and unexpected failures answer in Mastodon's shape."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        if _wants_json(request, exc):
            raise _as_json(exc) from None
        if exc.status in _PAGE_ERRORS and exc.content_type == "text/plain":
            raise _error_page(request, exc) from None
        raise
    except HttpProcessingError as exc:  # a malformed body part (multipart headers, chunking)
        raise json_error(400, f"Malformed request: {exc.message or type(exc).__name__}") from None
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


_URL_HEADERS = ("Link", "Location", "Content-Location")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _ascii_urls(response: web.StreamResponse) -> None:
    """Percent-encode what is not ASCII in header URLs (a tag page's `Link`,
    a redirect to a Chinese username): browsers and `fetch` read header
    bytes as Latin-1, so raw UTF-8 there comes back as another URL.
    Handlers build their URLs encoded; this is the net for every header."""
    for name in _URL_HEADERS:
        value = response.headers.get(name)
        if value is not None and not value.isascii():
            response.headers[name] = _NON_ASCII.sub(lambda m: quote(m.group(), safe=""), value)


@web.middleware
async def headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _ascii_urls(exc)
        raise
    _ascii_urls(response)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.content_type == "text/html":
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
        )
    return response
