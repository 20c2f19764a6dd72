"""Which language a page speaks, and its words: Babel catalogs, gettext.

The node's pages speak Simplified Chinese and English. A request's
locale is, in order: the `locale` cookie the language switch sets
(`/locale?set=en`), the best match of `Accept-Language`, and `[node]
default_locale`. `locale_middleware` decides it once per request and
keeps it in a `ContextVar`, the request-scoped slot asyncio gives each
handler's task, so `gettext` (imported as `_`), `node.html.render` and
`node.html.page` need no request passed down; code outside a request
(the `compliance report` command) chooses one with `using(locale)`.

The words live in `node/locale/<ll_CC>/LC_MESSAGES/messages.po`, read
with Babel when first needed (no compile step: a fresh clone works).
English is the source language, so English needs no catalog; a message
missing from the Chinese catalog shows in English, and
`tests/node/test_i18n_catalog.py` fails the build until it is translated.
Mark a string with `_()` where it is shown and `N_()` where it is only
named for later (a table of labels); `make messages` extracts both, and
the `{% trans %}` and `_()` of templates, into the catalogs.
"""

from __future__ import annotations

import contextlib
import gettext as gettext_module
import io
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from functools import cache
from importlib import resources

from aiohttp import web
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("zh-CN", "en")
SOURCE_LOCALE = "en"
COOKIE = "locale"
NAMES = {"zh-CN": "中文", "en": "English"}  # each in its own language, as switches show them

# Set for each request by `locale_middleware` (a ContextVar is per task, so
# concurrent requests never see each other's); the default serves code
# that runs outside any request and has not chosen with `using()`.
_CURRENT: ContextVar[str] = ContextVar("locale", default=SOURCE_LOCALE)


def N_(message: str) -> str:
    """Marks a message for the catalog where it is named, not yet shown."""
    return message


def _catalog_dir(locale: str) -> str:
    return locale.replace("-", "_")


@cache
def translations(locale: str) -> gettext_module.NullTranslations:
    """The catalog of `locale`, read from its .po file once per process."""
    if locale == SOURCE_LOCALE:
        return gettext_module.NullTranslations()
    po = resources.files("node").joinpath("locale", _catalog_dir(locale), "LC_MESSAGES", "messages.po")
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=_catalog_dir(locale))
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled)


def current() -> str:
    return _CURRENT.get()


def gettext(message: str, /, **values: object) -> str:
    """`message` in the current locale, with `%(name)s` values filled in."""
    text = translations(current()).gettext(message)
    return text % values if values else text


def ngettext(singular: str, plural: str, count: int, /, **values: object) -> str:
    text = translations(current()).ngettext(singular, plural, count)
    return text % {"count": count, **values}


_ = gettext


@contextlib.contextmanager
def using(locale: str) -> Iterator[None]:
    """Speak `locale` inside this block (the command line, a PDF)."""
    token = _CURRENT.set(locale if locale in LOCALES else SOURCE_LOCALE)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def _accepted(header: str) -> list[tuple[float, str]]:
    """Accept-Language as (quality, tag) pairs, best first (RFC 9110 12.5.4)."""
    found = []
    for position, part in enumerate(header.split(",")[:32]):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            found.append((quality, -position, tag.strip().lower()))
    return [(q, tag) for q, _p, tag in sorted(found, reverse=True)]


def match(tag: str) -> str | None:
    """One of LOCALES for a language tag: every Chinese tag reads the
    Simplified catalog (the only Chinese one), every English tag English."""
    language = tag.lower().split("-")[0].split("_")[0]
    return {"zh": "zh-CN", "en": "en"}.get(language)


def negotiate(cookie: str | None, accept_language: str, default: str) -> str:
    if cookie in LOCALES:
        return cookie
    for _quality, tag in _accepted(accept_language):
        if tag == "*":
            return default
        found = match(tag)
        if found:
            return found
    return default


def locale_of(request: web.Request, default: str) -> str:
    return negotiate(request.cookies.get(COOKIE), request.headers.get("Accept-Language", ""), default)


def locale_middleware(default: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Choose the request's locale before its handler runs; `Vary` says so."""

    @web.middleware
    async def middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
                         ) -> web.StreamResponse:
        token = _CURRENT.set(locale_of(request, default))
        try:
            response = await handler(request)
        finally:
            _CURRENT.reset(token)
        if response.content_type == "text/html":
            response.headers.add("Vary", "Accept-Language, Cookie")
        return response

    return middleware
