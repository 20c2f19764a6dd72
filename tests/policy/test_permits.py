"""The permit registry's pure decisions: hosts, numbers and decide_peer."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from policy.permits import (UNKNOWN, PeerDecision, PermitEntry, PermitError, Unknown, decide_peer,
                            normalise_host, validate_entry)

TODAY = dt.date(2026, 11, 23)
NUMBER = "京ICP备12345678号-1"


def entry(**changes: Any) -> PermitEntry:
    values: dict[str, Any] = {"host": "peer.example.cn", "number": NUMBER, "kind": "filing"}
    return PermitEntry(**{**values, **changes})


@pytest.mark.parametrize(("text", "host"), [
    ("Peer.Example.CN", "peer.example.cn"),
    (" peer.example.cn. ", "peer.example.cn"),
    ("peer.example.cn:443", "peer.example.cn"),
    ("peer.example.cn:80", "peer.example.cn"),
    ("peer.example.cn:8443", "peer.example.cn:8443"),
    ("例子.中国", "xn--fsqu00a.xn--fiqs8s"),
    ("127.0.0.1:8080", "127.0.0.1:8080"),
    ("[::1]:8443", "[::1]:8443"),
])
def test_hosts_are_normalised(text: str, host: str) -> None:
    # Given a host as an admin or a URL may spell it
    # When normalised
    # Then it is lower-case ASCII with only a non-default port kept
    assert normalise_host(text) == host


@pytest.mark.parametrize("text", [
    "", "https://peer.example.cn", "peer.example.cn/inbox", "user@peer.example.cn",
    "peer.example.cn:0", "peer.example.cn:http", "peer..example.cn", "-peer.example.cn",
    "localhost", "::1", "peer example.cn",
])
def test_bad_hosts_are_refused_naming_the_field(text: str) -> None:
    # Given something that is not a bare host[:port]
    # When normalised
    # Then it is refused as a host problem, not guessed around
    with pytest.raises(PermitError) as caught:
        normalise_host(text)
    assert caught.value.field == "host"


def test_validate_entry_infers_the_kind_and_parses_the_date() -> None:
    # Given a filing number and a licence number without a kind
    filing = validate_entry("Peer.Example.CN", f" {NUMBER} ", None, "2027-12-31")
    licence = validate_entry("b.example.cn", "京B2-20090059")
    # Then the kind comes from the form and the fields are normalised
    assert (filing.host, filing.number, filing.kind) == ("peer.example.cn", NUMBER, "filing")
    assert filing.valid_until == dt.date(2027, 12, 31)
    assert (licence.kind, licence.valid_until) == ("licence", None)


def test_validate_entry_accepts_full_width_characters() -> None:
    # Given a number typed with full-width letters and digits
    # When validated
    # Then it is stored in its canonical form
    assert validate_entry("a.example.cn", "京ＩＣＰ证１２３４５６号").number == "京ICP证123456号"


@pytest.mark.parametrize(("args", "field"), [
    (("a.example.cn", "ICP 12345"), "number"),
    (("a.example.cn", ""), "number"),
    (("a.example.cn", NUMBER, "licence"), "kind"),
    (("a.example.cn", NUMBER, "permit"), "kind"),
    (("a.example.cn", NUMBER, None, "31/12/2027"), "valid_until"),
    (("a.example.cn/x", NUMBER), "host"),
])
def test_validate_entry_refuses_naming_the_field(args: tuple[Any, ...], field: str) -> None:
    # Given a bad number, a kind that disagrees with it, a bad date or host
    # When validated
    # Then PermitError names the field
    with pytest.raises(PermitError) as caught:
        validate_entry(*args)
    assert caught.value.field == field


def test_validate_entry_refuses_an_unknown_status() -> None:
    with pytest.raises(PermitError) as caught:
        validate_entry("a.example.cn", NUMBER, status="paused")
    assert caught.value.field == "status"


def decide(e: PermitEntry | None, declared: str | None | Unknown = UNKNOWN, *,
           required: bool = False) -> PeerDecision:
    return decide_peer(e, today=TODAY, declared=declared, require_declared=required,
                       host="peer.example.cn")


def test_no_entry_is_refused() -> None:
    # Given no registry entry
    decision = decide(None, NUMBER)
    # Then the host is refused even though it declares a number
    assert (decision.permitted, decision.reason, decision.host) == (False, "no_permit", "peer.example.cn")


def test_active_entry_is_permitted_on_the_registry_alone() -> None:
    # Given an active entry and a declaration not fetched yet
    decision = decide(entry())
    # Then the registry decides
    assert (decision.permitted, decision.reason, decision.number) == (True, "permitted", NUMBER)


@pytest.mark.parametrize("status", ["suspended", "revoked"])
def test_suspended_and_revoked_are_refused(status: str) -> None:
    # Given a suspended or revoked entry whose peer declares the right number
    decision = decide(entry(status=status), NUMBER)
    # Then it is refused with the status as the reason
    assert (decision.permitted, decision.reason) == (False, status)


def test_valid_until_is_inclusive() -> None:
    # Given one entry valid through today and one through yesterday
    today = decide(entry(valid_until=TODAY))
    yesterday = decide(entry(valid_until=TODAY - dt.timedelta(days=1)))
    # Then today's is permitted and yesterday's has expired
    assert (today.permitted, today.reason) == (True, "permitted")
    assert (yesterday.permitted, yesterday.reason) == (False, "expired")


def test_declared_number_that_matches_is_permitted() -> None:
    # Given a peer declaring the registry's number with stray whitespace
    decision = decide(entry(), " 京ICP备 12345678号-1\n", required=True)
    # Then it is permitted
    assert (decision.permitted, decision.reason) == (True, "permitted")


def test_declared_mismatch_is_refused_naming_both_numbers() -> None:
    # Given a peer declaring another number than the registry holds
    decision = decide(entry(), "京ICP备87654321号")
    # Then it is refused and the message carries both numbers
    assert (decision.permitted, decision.reason) == (False, "declared_mismatch")
    assert NUMBER in decision.message and "京ICP备87654321号" in decision.message


@pytest.mark.parametrize("declared", [None, "", UNKNOWN])
def test_required_declaration_missing_is_refused(declared: str | None | Unknown) -> None:
    # Given a node requiring declarations and a peer that declares nothing
    # (or whose declaration is not known)
    decision = decide(entry(), declared, required=True)
    # Then it is refused as declaration_missing
    assert (decision.permitted, decision.reason) == (False, "declaration_missing")


def test_nothing_declared_is_permitted_when_not_required() -> None:
    decision = decide(entry(), None, required=False)
    assert (decision.permitted, decision.reason) == (True, "permitted")


def test_registry_refusal_wins_over_a_matching_declaration() -> None:
    # Given an expired entry whose peer declares the right number
    decision = decide(entry(valid_until=TODAY - dt.timedelta(days=1)), NUMBER, required=True)
    # Then the expiry decides
    assert decision.reason == "expired"
