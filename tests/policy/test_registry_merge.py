"""Which subscription decides a host's permit: local entries, priority, drafts, drops."""

from __future__ import annotations

import dataclasses

from policy.permits import PermitEntry, validate_entry
from policy.registry_merge import Offer, decide_host, source_of, subscription_of

HOST = "peer.example.cn"
NUMBER, OTHER = "京ICP备12345678号-1", "京ICP证123456号"


def entry(number: str = NUMBER, status: str = "active", source: str = "") -> PermitEntry:
    return validate_entry(HOST, number, status=status, source=source)


def offer(sub: int, priority: int = 0, *, number: str = NUMBER, status: str = "active", mode: str = "active",
          approved: bool = False) -> Offer:
    return Offer(sub, priority, entry(number, status, source_of(sub)), mode, approved)


def test_a_local_entry_always_wins() -> None:
    local = entry(OTHER, source="cli")
    step = decide_host(HOST, local, [offer(1, 255)])
    assert step.action == "none" and "local entry (cli) wins" in step.reason
    # Even when the subscriptions drop it
    assert decide_host(HOST, local, []).action == "none"


def test_a_new_host_is_added_from_the_offer_with_its_source() -> None:
    step = decide_host(HOST, None, [offer(7)])
    assert step.action == "set" and step.subscription_id == 7
    assert step.entry is not None and step.entry.source == "registry:7" and step.entry.number == NUMBER
    assert subscription_of(step.entry.source) == 7 and subscription_of("cli") is None


def test_priority_decides_between_subscriptions_and_ties_go_to_the_older() -> None:
    step = decide_host(HOST, None, [offer(1, 10, number=OTHER), offer(2, 200)])
    assert step.subscription_id == 2 and step.entry is not None and step.entry.number == NUMBER
    tie = decide_host(HOST, None, [offer(9, 5), offer(3, 5, number=OTHER)])
    assert tie.subscription_id == 3


def test_an_unchanged_entry_is_left_alone() -> None:
    current = entry(source=source_of(4))
    assert decide_host(HOST, current, [offer(4)]).action == "none"
    # A change of details from its subscription is stored
    step = decide_host(HOST, current, [offer(4, number=OTHER)])
    assert step.action == "set" and step.entry is not None and step.entry.number == OTHER


def test_draft_entries_wait_for_approval_but_keep_the_host() -> None:
    # A new draft entry grants nothing until approved
    assert decide_host(HOST, None, [offer(1, mode="draft")]).reason == "waiting for an admin's approval"
    assert decide_host(HOST, None, [offer(1, mode="draft", approved=True)]).action == "set"
    # A changed draft entry leaves the approved one in force, and the host is not dropped
    current = entry(source=source_of(1))
    step = decide_host(HOST, current, [offer(1, mode="draft", number=OTHER)])
    assert step.action == "none" and step.reason == "waiting for an admin's approval"
    # A lower-priority active subscription is used meanwhile
    step = decide_host(HOST, None, [offer(1, 100, mode="draft"), offer(2, 1, number=OTHER)])
    assert step.subscription_id == 2


def test_a_publishers_restriction_needs_no_approval() -> None:
    current = entry(source=source_of(1))
    step = decide_host(HOST, current, [offer(1, status="revoked", mode="draft")])
    assert step.action == "set" and step.entry is not None and step.entry.status == "revoked"
    # but it does not create a row for a host never listed here
    assert decide_host(HOST, None, [offer(1, status="revoked", mode="draft")]).action == "none"


def test_a_dropped_entry_is_revoked_once() -> None:
    current = entry(source=source_of(2))
    step = decide_host(HOST, current, [])
    assert step.action == "revoke" and step.subscription_id == 2
    assert step.entry == dataclasses.replace(current, status="revoked")
    assert decide_host(HOST, step.entry, []).action == "none"
    # Another subscription that still lists it takes it over instead
    other = decide_host(HOST, current, [offer(3)])
    assert other.action == "set" and other.entry is not None and other.entry.source == "registry:3"
    # A revoked entry comes back when a subscription lists it again
    assert decide_host(HOST, step.entry, [offer(2)]).action == "set"
