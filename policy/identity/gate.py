"""The identity gate: may this account publish? (articles 9 and 15)

"Real name in the back end, free name in front": an account browses
without a verified identity but may not post, reply, boost or edit until
one is verified. Article 15 gives sites that existed before the rules
three months: accounts created before enforcement started keep publishing
until the grace deadline, then are read-only until verified.

This is the one place the rule is written; every publishing path reaches it
through `node.gate`. It sees only whether an identity is verified, never
the identity itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

VERIFY_URL = "/settings/identity"
REASONS = ("verified", "grace", "identity_required", "grace_expired", "posting_revoked")


@dataclass(frozen=True, slots=True)
class IdentityState:
    """What the gate needs to know about an account, and nothing more."""

    verified: bool
    created_at: dt.datetime
    revoked_posting: bool = False


@dataclass(frozen=True, slots=True)
class GateDecision:
    allowed: bool
    reason: str  # one of REASONS
    message: str  # for the person, shown as the API error
    grace_until: dt.datetime | None = None  # the deadline that applies to this account, if any


def check_publish(state: IdentityState, *, now: dt.datetime, enforcement_started: dt.datetime | None,
                  grace_until: dt.datetime | None) -> GateDecision:
    """Allowed or refused, with the reason. Datetimes must be timezone-aware.

    A moderator's revocation outranks verification; an account without
    verification is refused unless article 15's grace covers it. With no
    enforcement_started configured no account predates the rule: deny.
    """
    _require_aware(now=now, created_at=state.created_at,
                   enforcement_started=enforcement_started, grace_until=grace_until)
    if state.revoked_posting:
        return GateDecision(False, "posting_revoked",
                            "A moderator has revoked posting for this account. You can still read and follow.")
    if state.verified:
        return GateDecision(True, "verified", "Your identity is verified.")
    predates = enforcement_started is not None and state.created_at < enforcement_started
    if predates and grace_until is not None:
        deadline = _format_deadline(grace_until)
        if now < grace_until:
            return GateDecision(True, "grace",
                                f"You can post until {deadline} without verifying. "
                                f"Verify your identity at {VERIFY_URL} before then.", grace_until)
        return GateDecision(False, "grace_expired",
                            f"The deadline to verify your identity passed on {deadline}. "
                            f"Verify your identity at {VERIFY_URL} to post again.", grace_until)
    return GateDecision(False, "identity_required",
                        f"Identity verification is required before you can post. "
                        f"Verify your identity at {VERIFY_URL}.")


def identity_summary(state: IdentityState, *, now: dt.datetime, enforcement_started: dt.datetime | None,
                     grace_until: dt.datetime | None) -> dict[str, Any]:
    """What the account itself is shown (verify_credentials): status, never legal data."""
    decision = check_publish(state, now=now, enforcement_started=enforcement_started, grace_until=grace_until)
    return {
        "verified": state.verified,
        "can_publish": decision.allowed,
        "reason": decision.reason,
        "message": decision.message,
        "grace_until": _iso(decision.grace_until),
        "verify_url": VERIFY_URL,
    }


def _require_aware(**moments: dt.datetime | None) -> None:
    # Comparing naive and aware datetimes raises mid-request; naive-with-naive
    # silently assumes one zone. Refuse both up front, naming the argument.
    for name, moment in moments.items():
        if moment is not None and moment.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")


def _format_deadline(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
