"""The retry schedule and Retry-After parsing: pure functions."""

from __future__ import annotations

import datetime as dt

import pytest

from federation.backoff import BackoffPolicy, backoff_delay, classify, parse_retry_after
from federation.httpsig import format_http_date

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
POLICY = BackoffPolicy(jitter=0.0)
LATER = NOW + dt.timedelta(hours=48)


def test_backoff_doubles_from_30_seconds_and_caps_at_6_hours() -> None:
    delays = [backoff_delay(n, POLICY) for n in range(1, 13)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 6 * 3600
    assert delays[-1] == 6 * 3600
    assert backoff_delay(10_000, POLICY) == 6 * 3600  # no overflow


@pytest.mark.parametrize("rand, expected", [(0.0, 24.0), (0.5, 30.0), (0.999999, 36.0)])
def test_jitter_spreads_delays_by_the_configured_fraction(rand: float, expected: float) -> None:
    policy = BackoffPolicy(jitter=0.2)
    assert backoff_delay(1, policy, rand=lambda: rand) == pytest.approx(expected, abs=1e-3)


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after(format_http_date(NOW + dt.timedelta(minutes=5)), NOW) == 300
    assert parse_retry_after(format_http_date(NOW - dt.timedelta(minutes=5)), NOW) == 0
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("soon", NOW) is None
    assert parse_retry_after("-5", NOW) is None


def _classify(status: int | None, *, attempts: int = 1, retry_after: str | None = None,
              give_up_at: dt.datetime = LATER, error: str = "") -> object:
    return classify(status, error, attempts=attempts, now=NOW, give_up_at=give_up_at, policy=POLICY,
                    retry_after=retry_after)


def test_2xx_is_done_and_4xx_other_than_429_is_final() -> None:
    assert _classify(202).state == "done"
    for status in (400, 401, 403, 404, 410, 422):
        outcome = _classify(status)
        assert outcome.state == "failed" and "final" in outcome.reason


def test_429_and_503_honour_retry_after() -> None:
    for status in (429, 503):
        outcome = _classify(status, retry_after="90")
        assert outcome.state == "queued"
        assert outcome.next_attempt_at == NOW + dt.timedelta(seconds=90)
        assert "Retry-After" in outcome.reason
    date = format_http_date(NOW + dt.timedelta(minutes=10))
    assert _classify(503, retry_after=date).next_attempt_at == NOW + dt.timedelta(minutes=10)


def test_429_without_retry_after_and_5xx_and_no_answer_back_off() -> None:
    assert _classify(429, attempts=3).next_attempt_at == NOW + dt.timedelta(seconds=120)
    assert _classify(500, attempts=1).next_attempt_at == NOW + dt.timedelta(seconds=30)
    outcome = _classify(None, attempts=2, error="connect_error")
    assert outcome.state == "queued" and outcome.next_attempt_at == NOW + dt.timedelta(seconds=60)
    assert "connect_error" in outcome.reason


def test_gives_up_past_the_give_up_time_or_the_attempt_bound() -> None:
    soon = NOW + dt.timedelta(seconds=10)
    assert _classify(500, give_up_at=soon).state == "failed"
    assert _classify(503, retry_after="3600", give_up_at=soon).state == "failed"
    assert _classify(500, attempts=POLICY.max_attempts).state == "failed"


def test_a_huge_retry_after_is_bounded() -> None:
    outcome = _classify(429, retry_after=str(10 ** 9))
    assert outcome.next_attempt_at == NOW + dt.timedelta(seconds=POLICY.max_retry_after)


def test_give_up_time_from_configured_hours() -> None:
    assert BackoffPolicy(give_up_hours=48).give_up_at(NOW) == NOW + dt.timedelta(hours=48)
