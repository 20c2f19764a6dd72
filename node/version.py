"""What the node calls itself, and which Mastodon API level it implements."""

from __future__ import annotations

from collections.abc import Iterable

SOFTWARE = "permitted-node"
VERSION = "0.1.0"
# The Mastodon release whose client API shapes this node follows.
MASTODON_COMPAT = "4.3.0"

# `api_versions.mastodon` (Mastodon 4.3+): an integer raised with every
# change to Mastodon's API; a client that sees N may use everything up to
# N (Mastodon 4.3.0 says 2: grouped notifications; 4.4 and 4.5 raise it
# for their additions, quote posts among them). A level is advertised
# only when every route it brings is served here, so a feature that is
# removed or not yet built lowers the number instead of breaking clients.
# Add a level with its routes when the node implements it.
API_LEVELS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (2, ("GET /api/v2/notifications", "GET /api/v2/notifications/{group_key}",
         "GET /api/v2/notifications/{group_key}/accounts", "POST /api/v2/notifications/{group_key}/dismiss",
         "GET /api/v2/notifications/unread_count")),
)
BASE_LEVEL = 1  # before 4.3's grouped notifications


def api_level(served: Iterable[str]) -> int:
    """The highest level whose routes ("METHOD /path") are all in `served`,
    climbing in order (a level counts only above every lower one)."""
    have, level = set(served), BASE_LEVEL
    for number, routes in API_LEVELS:
        if not have.issuperset(routes):
            break
        level = number
    return level
