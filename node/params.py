"""Request parameters from the query string, a form or a JSON body.

Clients differ: Mastodon.py sends forms with `key[]` for arrays, web
clients send JSON, some send both query and body. Unknown parameters are
ignored, as Mastodon does; wrong types give a 422 naming the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from multidict import MultiDict

from node.errors import bad_request, unprocessable

_TRUE = {"true", "1", "on", "yes", "t"}
_FALSE = {"false", "0", "off", "no", "f", ""}


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
            raise unprocessable(f"Validation failed: {name} must be a string")
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
        raise unprocessable(f"Validation failed: {name} must be a boolean")

    def int(self, name: str, default: int | None = None) -> int | None:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise unprocessable(f"Validation failed: {name} must be an integer") from None

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


async def read_params(request: web.Request) -> Params:
    values: dict[str, list[Any]] = {}
    _add(values, request.query.items())
    if request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise bad_request("Body is not valid JSON") from None
            if not isinstance(body, dict):
                raise bad_request("JSON body must be an object")
            for key, value in body.items():
                values[key] = [value]
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form: MultiDict[Any] = await request.post()
            _add(values, ((k, v) for k, v in form.items() if isinstance(v, str)))
    return Params(values)
