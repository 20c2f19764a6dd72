"""Server-rendered HTML pages share one layout with the permit footer.

Article 6: every page shows the node's permit/filing number. Templates are
Jinja2 files in `node/templates/` with autoescaping on: every value is
escaped unless it is `Markup` (or anything with `__html__`), which only
code that built safe HTML may make. Their words go through the i18n
extension (`{% trans %}`, `_()`) to the catalog of the request's locale
(`node.i18n`); one Jinja environment per locale, built once.
"""

from __future__ import annotations

import html
from functools import cache

import jinja2
from aiohttp import web

from node import i18n
from node.config import Config
from node.i18n import _


class Markup(str):
    """HTML that is already safe and must not be escaped again.

    A plain `str` for concatenation (so `Markup + str` stays a str and is
    escaped when rendered), and safe to Jinja through `__html__`.
    """

    def __html__(self) -> str:
        return self


def escape(value: object) -> str:
    if hasattr(value, "__html__"):
        return str(value.__html__())  # type: ignore[attr-defined]
    return html.escape(str(value), quote=True)


@cache
def environment(locale: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("node", "templates"), autoescape=True, undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    # `{% trans %}` blocks are looked up with their whitespace collapsed, as
    # `make messages` extracts them (babel.cfg `trimmed`): a block that wraps
    # over lines would otherwise never find its translation.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(template: str, /, **values: object) -> Markup:
    """`template` in the current request's locale, with `locale` available to it."""
    locale = i18n.current()
    return Markup(environment(locale).get_template(template).render(locale=locale, **values))


def page(config: Config, title: str, body: Markup, *, status: int = 200) -> web.Response:
    """The whole page: `body` in the layout, with the permit footer and the language switch."""
    permit = config.node.permit or _("No permit or filing number configured")
    text = render("layout.html", title=title, node_name=config.node.name, body=body, permit=permit,
                  base_url=config.node.base_url, languages=i18n.NAMES)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")
