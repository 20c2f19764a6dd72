"""The Chinese catalog covers every word the pages say, and says it the same way.

The messages are extracted from the code and the templates exactly as
`make messages` does (Babel with `babel.cfg`); a page or a flash message
added without its translation fails here, naming the message.
"""

from __future__ import annotations

import ast
import re
from importlib import resources
from pathlib import Path

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
