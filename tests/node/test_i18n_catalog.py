"""The Chinese catalog covers every word the pages say, and says it the same way.

The messages are extracted from the code and the templates exactly as
`make messages` does (Babel with `babel.cfg`); a page or a flash message
added without its translation fails here, naming the message.
"""

from __future__ import annotations

import ast
import html
import re
from importlib import resources
from pathlib import Path

import jinja2
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

NODE = Path(str(resources.files("node")))
ROOT = NODE.parent
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def extracted() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"trimmed": "true"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(NODE), method_map, options, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog() -> dict[str, str]:
    with (NODE / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        po = read_po(handle)
    return {m.id: m.string for m in po if m.id and "fuzzy" not in m.flags}


def test_every_message_has_a_chinese_translation_with_the_same_placeholders() -> None:
    messages, zh = extracted(), catalog()
    assert len(messages) > 250  # the extraction itself works
    missing = sorted(m for m in messages if not zh.get(m))
    assert missing == [], f"untranslated (run `make messages` and translate): {missing[:10]}"
    for message in messages:
        assert sorted(_PLACEHOLDER.findall(message)) == sorted(_PLACEHOLDER.findall(zh[message])), message


def _literal_messages_in_f_strings(tree: ast.AST) -> list[int]:
    return [call.lineno for joined in ast.walk(tree) if isinstance(joined, ast.JoinedStr)
            for call in ast.walk(joined) if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id in ("_", "gettext", "N_") and call.args and isinstance(call.args[0], ast.Constant)]


def test_no_message_hides_inside_an_f_string() -> None:
    # Babel cannot see `_("...")` inside an f-string's braces: such a message
    # would never reach the catalog and show in English on a Chinese page.
    hidden = [f"{path.relative_to(ROOT)}:{line}" for path in NODE.rglob("*.py")
              for line in _literal_messages_in_f_strings(ast.parse(path.read_text("utf-8")))]
    assert hidden == []


# Names of file formats, the same in every language, may stand as they are.
_SAME_IN_EVERY_LANGUAGE = {"JSON", "PDF", "HTML"}
_WORDS_IN_ATTRIBUTES = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"]*)"')
_OLD_PLACEHOLDER = re.compile(r"\$\{?[A-Za-z_]\w*")


def _text_outside_the_catalog(source: str) -> str:
    """The template with every `{{ ... }}`, `{% ... %}` and `{% trans %}`
    block taken out: what it would say in one language only."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    kept, in_trans, after_block_begin = [], False, False
    for _line, kind, value in env.lex(source):
        if kind == "name" and after_block_begin:
            in_trans = {"trans": True, "endtrans": False}.get(value, in_trans)
        after_block_begin = kind == "block_begin" or (after_block_begin and kind == "whitespace")
        if kind == "data" and not in_trans:
            kept.append(value)
    return "".join(kept)


def _visible_words(skeleton: str) -> list[str]:
    attributes = " ".join(_WORDS_IN_ATTRIBUTES.findall(skeleton))
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", skeleton, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body)) + " " + attributes
    return [w for w in re.findall(r"[^\W\d_]+", text) if w not in _SAME_IN_EVERY_LANGUAGE]


@pytest.mark.parametrize("template", sorted(p.name for p in (NODE / "templates").glob("*.html")))
def test_every_template_says_its_words_through_the_catalog(template: str) -> None:
    # Given a page template (Chinese and English side by side, or English
    # outside `_()`, would show one reader words they cannot read)
    source = (NODE / "templates" / template).read_text("utf-8")
    # Then it has no string.Template placeholder left, and no word of its own
    assert _OLD_PLACEHOLDER.findall(source) == []
    assert _visible_words(_text_outside_the_catalog(source)) == []


def _rebinds_gettext(tree: ast.AST) -> list[int]:
    imports_it = any(isinstance(node, ast.ImportFrom) and node.module == "node.i18n"
                     and any(alias.name == "_" and alias.asname is None for alias in node.names)
                     for node in ast.walk(tree))
    return [node.lineno for node in ast.walk(tree) if imports_it
            and isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)]


def test_no_module_that_speaks_through_gettext_rebinds_it() -> None:
    # `_, error = await attempt(...)` in a module that imported `_` makes the
    # next `_("...")` in that function call None: a 500 where a flash was due.
    rebound = [f"{path.relative_to(ROOT)}:{line}" for path in NODE.rglob("*.py")
               for line in _rebinds_gettext(ast.parse(path.read_text("utf-8")))]
    assert rebound == []
