"""Who may quote a status: one decision for compose, the Status entity's
`quote_approval` and an inbound QuoteRequest (Mastodon 4.5, FEP-044f).

Pure: the caller says what it knows (the status's policy and visibility,
whether the one quoting is its author or follows the author).
"""

from __future__ import annotations

from typing import Literal

POLICIES = ("public", "followers", "nobody")
UNKNOWN = "unknown"  # a remote status whose node said nothing: it decides when asked
QUOTABLE_VISIBILITIES = frozenset({"public", "unlisted"})
Answer = Literal["automatic", "denied", "unknown"]


def policy_for(visibility: str, requested: str | None) -> str:
    """The policy a local status gets: as asked (default public), and nobody
    but its author may quote a followers-only or direct status."""
    if visibility not in QUOTABLE_VISIBILITIES:
        return "nobody"
    return requested if requested in POLICIES else "public"


def may_quote(policy: str, visibility: str, *, is_author: bool, follows_author: bool) -> Answer:
    """Whether a quote is authorised at once, refused, or for the author's node to say."""
    if is_author:
        return "automatic"
    if visibility not in QUOTABLE_VISIBILITIES:
        return "denied"
    if policy == "public" or (policy == "followers" and follows_author):
        return "automatic"
    return "unknown" if policy == UNKNOWN else "denied"


def automatic_approval(policy: str) -> list[str]:
    """The Status entity's `quote_approval.automatic`."""
    return [policy] if policy in ("public", "followers") else []


def effective_policy(stored: str | None, *, local: bool) -> str:
    """A status with no stored policy: nobody for a local one (posted before
    quotes existed here), unknown for a remote one."""
    return stored or ("nobody" if local else UNKNOWN)
