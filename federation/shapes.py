"""The shapes an inbound activity may have, checked once at the inbox door.

ActivityStreams lets most properties be a string, an object or an array,
and a processor that meets an unexpected one would raise after the 202
(a `type` that is an object made `frozenset` membership raise in
`federation/notes.py`). So the inbox refuses, with 400, any activity
whose properties the processors read are not of a shape they handle;
what passes here is safe to index and compare. The rules follow what
Mastodon, Pleroma, Misskey and Fedify send: `type` a string, ids a string
or an object with one, audiences a string or a list of them, `tag` and
`attachment` an object or a list of objects, text a string.

Processing still guards its own reads (and sets a row aside with its
error when it does not, `federation.inbox_processing`), but nothing
malformed in these ways reaches the queue.
"""

from __future__ import annotations

from typing import Any

MAX_NESTING = 6  # an Undo of an Announce of a Note with an emoji tag and its icon is 4 deep

TEXT = ("content", "summary", "name", "published", "updated", "mediaType", "startTime", "endTime",
        "preferredUsername", "quoteUrl", "_misskey_quote", "quoteUri")
AUDIENCE = ("to", "cc", "bto", "bcc", "audience")
LINKS = ("actor", "attributedTo", "inReplyTo", "target", "origin", "instrument", "context", "url", "icon",
         "image", "quote", "quoteAuthorization", "replies", "likes", "shares")
OBJECT_LISTS = ("tag", "attachment", "oneOf", "anyOf")
LANGUAGE_MAPS = ("contentMap", "summaryMap", "nameMap")


class ShapeError(Exception):
    """An activity the processors could not read safely; the message names the property."""


def check_activity(activity: dict[str, Any]) -> None:
    """Raise ShapeError when `activity` (a parsed JSON object) has a property
    of a shape no processor handles."""
    _check_object(activity, "activity", 0)


def _check_object(obj: dict[str, Any], where: str, depth: int) -> None:
    if depth > MAX_NESTING:
        raise ShapeError(f"{where}: nested deeper than {MAX_NESTING} objects")
    _check_type(obj.get("type"), where)
    _check_id(obj.get("id"), f"{where}.id")
    for key in TEXT:
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            raise ShapeError(f"{where}.{key} must be a string")
    for key in LANGUAGE_MAPS:
        value = obj.get(key)
        if value is not None and not (isinstance(value, dict)
                                      and all(isinstance(v, str) for v in value.values())):
            raise ShapeError(f"{where}.{key} must map languages to strings")
    for key in AUDIENCE:
        _check_links(obj.get(key), f"{where}.{key}", depth, allow_objects=True)
    for key in LINKS:
        _check_links(obj.get(key), f"{where}.{key}", depth, allow_objects=True)
    for key in OBJECT_LISTS:
        _check_object_list(obj.get(key), f"{where}.{key}", depth)
    if "sensitive" in obj and obj["sensitive"] is not None and not isinstance(obj["sensitive"], bool):
        raise ShapeError(f"{where}.sensitive must be true or false")
    if "object" in obj:
        _check_links(obj["object"], f"{where}.object", depth, allow_objects=True)


def _check_type(value: Any, where: str) -> None:
    if value is None and where != "activity":
        return
    if not isinstance(value, str) or not value:
        raise ShapeError(f"{where}.type must be a string")


def _check_id(value: Any, where: str) -> None:
    if value is not None and not isinstance(value, str):
        raise ShapeError(f"{where} must be a string")


def _check_links(value: Any, where: str, depth: int, *, allow_objects: bool) -> None:
    """A link property: a string, an object (checked too) or a list of those."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item is None or isinstance(item, str):
            continue
        if isinstance(item, dict) and allow_objects:
            _check_object(item, where, depth + 1)
            continue
        raise ShapeError(f"{where} must be an id, an object or a list of them")


def _check_object_list(value: Any, where: str, depth: int) -> None:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item is None or isinstance(item, str):
            continue  # Misskey and Pleroma put bare ids in tag lists; processors skip them
        if not isinstance(item, dict):
            raise ShapeError(f"{where} must hold objects")
        _check_object(item, where, depth + 1)
