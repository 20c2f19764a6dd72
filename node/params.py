"""Request parameters from the query string, a form or a JSON body.

Clients differ: Mastodon.py sends forms with `key[]` for arrays, web
clients send JSON, some send both query and body. Unknown parameters are
ignored, as Mastodon does; wrong types give a 422 naming the parameter
(with Mastodon's validation `details`).

Text that is not Unicode is refused here, once, for every endpoint: a JSON
string may spell a lone surrogate (`"\\ud800"`), which Python decodes but
no UTF-8 encoder (SQLite, the response) accepts. Such a body is malformed
JSON for this node: 400, as for any other JSON it cannot read. Integers
are bounded to the database's signed 64 bits (422 beyond, or the caller's
own bounds), so no number reaches SQL or `timedelta` to overflow there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiDict

from node.errors import bad_request, invalid_param

_TRUE = {"true", "1", "on", "yes", "t"}
_FALSE = {"false", "0", "off", "no", "f", ""}
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
_INTEGER = re.compile(r"\s*[-+]?[0-9]+\s*")


class Params:
    """Merged parameters; body values win over query values."""

    def __init__(self, values: Mapping[str, list[Any]]) -> None:
        self._values = values

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def raw(self, name: str) -> Any:
        items = self._values.get(name)
        return items[-1] if items else None

    def str(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, (dict, list)):
            raise invalid_param(name, "must be a string")
        return str(value)

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise invalid_param(name, "must be a boolean")

    def int(self, name: str, default: int | None = None, *,
            minimum: int = INT64_MIN, maximum: int = INT64_MAX) -> int | None:
        """An integer (ASCII digits, or a JSON number) within [minimum, maximum]."""
        value = self.raw(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise invalid_param(name, "must be an integer")
        if isinstance(value, str) and not _INTEGER.fullmatch(value):
            raise invalid_param(name, "must be an integer")
        number = int(value)
        if number < minimum:
            raise invalid_param(name, f"must be at least {minimum}")
        if number > maximum:
            raise invalid_param(name, f"must be at most {maximum}")
        return number

    def list(self, name: str) -> list[Any]:
        """`name[]=a&name[]=b`, `name=a`, or a JSON array."""
        out: list[Any] = []
        for key in (f"{name}[]", name):
            for value in self._values.get(key, []):
                out.extend(value if isinstance(value, list) else [value])
        return out

    def dict(self, name: str) -> dict[str, Any]:
        """Nested values: JSON objects, or form keys like `source[privacy]`."""
        value = self.raw(name)
        if isinstance(value, dict):
            return value
        prefix = f"{name}["
        out: dict[str, Any] = {}
        for key, values in self._values.items():
            if key.startswith(prefix) and key.endswith("]"):
                out[key[len(prefix):-1]] = values[-1]
        return out

    def items_with_prefix(self, prefix: str) -> dict[str, Any]:
        return {k: v[-1] for k, v in self._values.items() if k.startswith(prefix)}


def _add(target: dict[str, list[Any]], pairs: Any) -> None:
    for key, value in pairs:
        target.setdefault(key, []).append(value)


def _check_unicode(value: Any) -> None:
    """Raise 400 if any string (key or value) in a parsed JSON body has a lone surrogate."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise bad_request("Body is not valid JSON: a string holds a lone surrogate") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_unicode(key)
            _check_unicode(item)
    elif isinstance(value, list):
        for item in value:
            _check_unicode(item)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The JSON body as an object of valid Unicode text, or a 400."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise bad_request("Body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("JSON body must be an object")
    _check_unicode(body)
    return body


async def read_params(request: web.Request) -> Params:
    values: dict[str, list[Any]] = {}
    _add(values, request.query.items())
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            for key, value in (await read_json_object(request)).items():
                values[key] = [value]
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form: MultiDict[Any] = await read_form(request)
            _add(values, ((k, v) for k, v in form.items() if isinstance(v, str)))
    for strings in values.values():
        _check_unicode(strings)
    return Params(values)


async def read_form(request: web.Request) -> MultiDict[Any]:
    """`request.post()`, with a malformed multipart body as a 400, not a 500."""
    try:
        return await request.post()
    except (ValueError, AssertionError, UnicodeDecodeError) as exc:
        raise bad_request(f"Malformed form body: {type(exc).__name__}") from None
