"""OAuth scopes as Mastodon defines them, including sub-scopes.

`read` grants every `read:*`; `write` every `write:*`; the legacy `follow`
grants the follow/block/mute sub-scopes; `admin:read` every
`admin:read:*`. `profile` grants only verify_credentials.
"""

from __future__ import annotations

TOP_LEVEL = ("read", "write", "follow", "push", "profile", "admin:read", "admin:write")

SUB_SCOPES = {
    "read": ("accounts", "blocks", "bookmarks", "favourites", "filters", "follows", "lists",
             "mutes", "notifications", "search", "statuses"),
    "write": ("accounts", "blocks", "bookmarks", "conversations", "favourites", "filters",
              "follows", "lists", "media", "mutes", "notifications", "reports", "statuses"),
    "admin:read": ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
                   "email_domain_blocks", "canonical_email_blocks"),
    "admin:write": ("accounts", "reports", "domain_allows", "domain_blocks", "ip_blocks",
                    "email_domain_blocks", "canonical_email_blocks"),
}

_FOLLOW = {"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}

ALL_SCOPES = frozenset(
    list(TOP_LEVEL) + [f"{top}:{sub}" for top, subs in SUB_SCOPES.items() for sub in subs]
)


def parse_scopes(text: str | None, default: str = "read") -> frozenset[str]:
    words = (text or default).replace("+", " ").replace(",", " ").split()
    return frozenset(words)


def unknown_scopes(scopes: frozenset[str]) -> list[str]:
    return sorted(s for s in scopes if s not in ALL_SCOPES)


def allows(granted: frozenset[str], needed: str) -> bool:
    """Whether a token with `granted` may do what needs `needed`."""
    if needed in granted:
        return True
    if needed in _FOLLOW and "follow" in granted:
        return True
    parent, _, _ = needed.rpartition(":")
    return bool(parent) and parent in granted


def allows_any(granted: frozenset[str], needed: tuple[str, ...]) -> bool:
    return any(allows(granted, n) for n in needed)
