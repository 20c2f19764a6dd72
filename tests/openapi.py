"""Checking responses against Mastodon's OpenAPI description.

`tests/conformance/mastodon-openapi.json` (Mastodon's own docs, turned
into OpenAPI, vendored from shared/conformance) is the reference shape; assert_matches validates one response
body against the schema the spec gives for that path, method and status.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conformance.errata import apply_errata

# Vendored (see tests/conformance/README.md) so a clone alone can run the suite.
SPEC_PATH = Path(__file__).resolve().parent / "conformance" / "mastodon-openapi.json"


@functools.cache
def _spec() -> dict[str, Any]:
    """The description with its known errors corrected (tests/conformance/errata.py)."""
    return apply_errata(json.loads(SPEC_PATH.read_text("utf-8")))


@functools.cache
def _registry() -> Registry:
    spec = _spec()
    return Registry().with_resource("urn:spec", Resource.from_contents(spec, default_specification=DRAFT202012))


def _schema_for(path: str, method: str, status: int) -> dict[str, Any]:
    op = _spec()["paths"][path][method]
    content = op["responses"][str(status)]["content"]
    schema = content["application/json"]["schema"]
    return _rewrite_refs(schema)


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: ("urn:spec" + v if k == "$ref" and v.startswith("#") else _rewrite_refs(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def assert_matches(path: str, method: str, status: int, body: Any) -> None:
    """Raise with the first mismatch if `body` is not the spec's shape."""
    schema = _schema_for(path, method, status)
    validator = jsonschema.Draft202012Validator(schema, registry=_registry())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        raise AssertionError(f"{method.upper()} {path} {status}: at {where or '(root)'}: {first.message}")


def has_path(path: str) -> bool:
    return path in _spec()["paths"]
