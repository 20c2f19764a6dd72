"""Server-rendered HTML pages share one layout with the permit footer.

Article 6: every page shows the node's permit/filing number. Templates are
plain `string.Template` files; every value is escaped unless it is passed
through `Markup`, which only code that built safe HTML may do.
"""

from __future__ import annotations

import html
import string
from functools import cache
from importlib import resources

from aiohttp import web

from node.config import Config


class Markup(str):
    """HTML that is already safe and must not be escaped again."""


def escape(value: object) -> str:
    if isinstance(value, Markup):
        return value
    return html.escape(str(value), quote=True)


@cache
def _template(name: str) -> string.Template:
    return string.Template(resources.files("node").joinpath("templates", name).read_text("utf-8"))


def render(template: str, /, **values: object) -> Markup:
    return Markup(_template(template).substitute({k: escape(v) for k, v in values.items()}))


@cache
def _texts(name: str) -> dict[str, string.Template]:
    texts = {}
    for line in _template(name).template.splitlines():
        key, sep, text = line.partition(" = ")
        if sep and not line.startswith("#"):
            texts[key.strip()] = string.Template(text.strip())
    return texts


def text(template: str, key: str, /, **values: object) -> str:
    """One short text of a page (a flash notice, a title) from a template
    file of `key = text` lines, so that every string a person reads lives
    in a template, ready for a message catalogue. Plain text: escaped where shown."""
    return _texts(template)[key].substitute({k: str(v) for k, v in values.items()})


def page(config: Config, title: str, body: Markup, *, status: int = 200) -> web.Response:
    permit = config.node.permit or "未备案 (no permit configured)"
    text = render("layout.html", title=title, node_name=config.node.name, body=body,
                  permit=permit, base_url=config.node.base_url)
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")
