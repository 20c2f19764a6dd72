"""The identity gate: verified to publish, with article 15's grace period."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from policy.identity import VERIFY_URL, IdentityState, check_publish, identity_summary

UTC = dt.timezone.utc
ENFORCED = dt.datetime(2026, 1, 1, tzinfo=UTC)
GRACE_UNTIL = dt.datetime(2026, 4, 1, tzinfo=UTC)  # three months, article 15
BEFORE = ENFORCED - dt.timedelta(days=30)
AFTER = ENFORCED + dt.timedelta(days=1)
DURING_GRACE = dt.datetime(2026, 2, 15, tzinfo=UTC)
PAST_GRACE = GRACE_UNTIL + dt.timedelta(seconds=1)
WINDOW = {"enforcement_started": ENFORCED, "grace_until": GRACE_UNTIL}


def test_verified_account_may_publish() -> None:
    for created in (BEFORE, AFTER):
        decision = check_publish(IdentityState(True, created), now=PAST_GRACE, **WINDOW)
        assert (decision.allowed, decision.reason) == (True, "verified")


def test_revoked_posting_outranks_verification() -> None:
    decision = check_publish(IdentityState(True, BEFORE, revoked_posting=True), now=DURING_GRACE, **WINDOW)
    assert (decision.allowed, decision.reason) == (False, "posting_revoked")


def test_new_unverified_account_must_verify() -> None:
    # Given an account made after enforcement started, during the grace window
    decision = check_publish(IdentityState(False, AFTER), now=DURING_GRACE, **WINDOW)
    # Then grace does not cover it: it must verify first
    assert (decision.allowed, decision.reason, decision.grace_until) == (False, "identity_required", None)
    assert decision.message == ("Identity verification is required before you can post. "
                                "Verify your identity at /settings/identity.")


def test_existing_account_keeps_publishing_until_the_deadline() -> None:
    # Given an account that existed before enforcement started
    state = IdentityState(False, BEFORE)
    # When it posts during the grace window
    decision = check_publish(state, now=DURING_GRACE, **WINDOW)
    # Then it may, and is told the deadline and where to verify
    assert (decision.allowed, decision.reason, decision.grace_until) == (True, "grace", GRACE_UNTIL)
    assert "2026-04-01 00:00 UTC" in decision.message and VERIFY_URL in decision.message


def test_existing_account_is_read_only_after_the_deadline() -> None:
    state = IdentityState(False, BEFORE)
    for moment in (GRACE_UNTIL, PAST_GRACE):
        decision = check_publish(state, now=moment, **WINDOW)
        assert (decision.allowed, decision.reason, decision.grace_until) == (False, "grace_expired", GRACE_UNTIL)
        assert VERIFY_URL in decision.message


def test_account_made_at_the_moment_enforcement_started_gets_no_grace() -> None:
    decision = check_publish(IdentityState(False, ENFORCED), now=DURING_GRACE, **WINDOW)
    assert decision.reason == "identity_required"


def test_without_a_grace_period_every_unverified_account_must_verify() -> None:
    state = IdentityState(False, BEFORE)
    for window in ({"enforcement_started": None, "grace_until": None},
                   {"enforcement_started": ENFORCED, "grace_until": None},
                   {"enforcement_started": None, "grace_until": GRACE_UNTIL}):
        assert check_publish(state, now=DURING_GRACE, **window).reason == "identity_required"


def test_other_zones_compare_by_instant() -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    # 2026-04-01 07:59 in Beijing is still before midnight UTC
    decision = check_publish(IdentityState(False, BEFORE), now=dt.datetime(2026, 4, 1, 7, 59, tzinfo=beijing),
                             **WINDOW)
    assert decision.reason == "grace"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="now"):
        check_publish(IdentityState(False, BEFORE), now=dt.datetime(2026, 2, 1), **WINDOW)
    with pytest.raises(ValueError, match="created_at"):
        check_publish(IdentityState(False, dt.datetime(2025, 1, 1)), now=DURING_GRACE, **WINDOW)


def test_decisions_and_states_are_frozen() -> None:
    decision = check_publish(IdentityState(True, BEFORE), now=DURING_GRACE, **WINDOW)
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.allowed = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        IdentityState(False, BEFORE).verified = True  # type: ignore[misc]


def test_summary_for_verify_credentials() -> None:
    summary = identity_summary(IdentityState(False, BEFORE), now=DURING_GRACE, **WINDOW)
    assert summary == {
        "verified": False, "can_publish": True, "reason": "grace",
        "message": check_publish(IdentityState(False, BEFORE), now=DURING_GRACE, **WINDOW).message,
        "grace_until": "2026-04-01T00:00:00Z", "verify_url": "/settings/identity",
    }
    verified = identity_summary(IdentityState(True, AFTER), now=DURING_GRACE, **WINDOW)
    assert (verified["verified"], verified["can_publish"], verified["grace_until"]) == (True, True, None)
    # Only status, never legal data: the keys are exactly these
    assert set(verified) == {"verified", "can_publish", "reason", "message", "grace_until", "verify_url"}
