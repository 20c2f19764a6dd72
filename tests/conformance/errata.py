"""Where the vendored API description disagrees with what Mastodon sends.

The description is generated from Mastodon's documentation, which is
wrong in a few places; each entry below says where, what Mastodon's own
code sends, and how we know. `tests/openapi.py` and the fuzz target
(`tests/fuzz/`) both read the description through `apply_errata`.
"""

from __future__ import annotations

import copy
from typing import Any

# (path of keys into the description, the value Mastodon's code implies, why)
ERRATA: tuple[tuple[tuple[str, ...], Any, str], ...] = (
    (("components", "schemas", "NotificationGroup", "properties", "most_recent_notification_id", "type"),
     "string",
     "Mastodon's web client types it `most_recent_notification_id: string` "
     "(app/javascript/mastodon/api_types/notifications.ts), as every id in its API; masto.js too"),
    (("paths", "/api/v1/filters", "get", "responses", "200", "content", "application/json", "schema"),
     {"type": "array", "items": {"$ref": "#/components/schemas/V1Filter"}},
     "the description's own text says 'List of [V1::Filter]'; Mastodon's FiltersController#index "
     "renders a collection"),
    (("paths", "/oauth/authorize", "get", "responses", "400", "content", "text/html"),
     {"schema": {"type": "string"}},
     "Doorkeeper renders an invalid authorisation request (bad client_id, redirect_uri) as an HTML "
     "page for the person in the browser, as this node does: there is no client to read JSON"),
)


def apply_errata(spec: dict[str, Any]) -> dict[str, Any]:
    fixed = copy.deepcopy(spec)
    for keys, value, _why in ERRATA:
        node = fixed
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return fixed
