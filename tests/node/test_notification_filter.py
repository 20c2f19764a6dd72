"""What the notification policy does to one new notification: Mastodon's
DropCondition and FilterCondition, pure (`verdict`) and from stored rows
(`facts_about`, in a real SQLite file)."""

from __future__ import annotations

import datetime as dt

import aiohttp

from node.keys import DB
from storage.clock import iso
from storage.notification_filter import Facts, Policy, facts_about, verdict
from tests.conftest import Node

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.timezone.utc)
OLD = iso(NOW - dt.timedelta(days=400))


def facts(**changes: object) -> Facts:
    base = dict(following=False, follower_since=None, sender_created_at=OLD, sender_limited=False,
                sender_staff=False, permitted=False, domain_blocked=False, private_mention=False)
    return Facts(**{**base, **changes})  # type: ignore[arg-type]


def test_default_policy_filters_private_mentions_and_limited_strangers_only() -> None:
    policy = Policy()
    assert verdict(policy, facts(), "mention", NOW) == "keep"
    assert verdict(policy, facts(private_mention=True), "mention", NOW) == "filter"
    assert verdict(policy, facts(private_mention=True, following=True), "mention", NOW) == "keep"
    assert verdict(policy, facts(sender_limited=True), "favourite", NOW) == "filter"
    # a poll or an edit is never filtered; a staff member's mention never is
    assert verdict(policy, facts(sender_limited=True), "poll", NOW) == "keep"
    assert verdict(policy, facts(private_mention=True, sender_staff=True), "mention", NOW) == "keep"


def test_followers_need_three_days_and_new_accounts_thirty() -> None:
    policy = Policy(for_not_followers="filter", for_new_accounts="drop")
    two_days = iso(NOW - dt.timedelta(days=2))
    assert verdict(policy, facts(follower_since=two_days), "follow", NOW) == "filter"
    assert verdict(policy, facts(follower_since=OLD), "follow", NOW) == "keep"
    young = iso(NOW - dt.timedelta(days=10))
    assert verdict(policy, facts(follower_since=OLD, sender_created_at=young), "reblog", NOW) == "drop"
    assert verdict(policy, facts(follower_since=OLD, sender_created_at=young, following=True), "reblog", NOW) == "keep"


def test_an_accepted_sender_passes_and_a_blocked_domain_drops_unless_followed() -> None:
    policy = Policy(for_not_following="drop")
    assert verdict(policy, facts(permitted=True), "mention", NOW) == "keep"
    assert verdict(Policy(), facts(domain_blocked=True), "mention", NOW) == "drop"
    assert verdict(Policy(), facts(domain_blocked=True, following=True), "mention", NOW) == "keep"


async def test_a_private_reply_to_the_recipients_own_private_mention_is_not_filtered(
        node: Node, http: aiohttp.ClientSession) -> None:
    # Given alice wrote privately to bob, a stranger to her
    alice, bob = await node.account("alice"), await node.account("bob")

    async def post(who: object, text: str, **extra: object) -> dict[str, object]:
        async with http.post(node.url("/api/v1/statuses"), json={"status": text, **extra},
                             headers=who.headers) as resp:  # type: ignore[attr-defined]
            assert resp.status == 200
            return await resp.json()

    first = await post(alice, "@bob hello, privately", visibility="direct")
    # When bob answers in that thread, and separately starts a new private thread
    reply = await post(bob, "@alice hi back", visibility="direct", in_reply_to_id=first["id"])
    fresh = await post(bob, "@alice another thing", visibility="direct")
    # Then the answer counts as a response to her (kept), the new thread does not (filtered)
    async with node.app[DB].write() as w:
        judged = [await facts_about(w, alice.account.id, bob.account.id, "mention", int(s["id"]))
                  for s in (reply, fresh)]
    assert [j[1].private_mention for j in judged if j] == [False, True]
    async with http.get(node.url("/api/v1/notifications"), headers=alice.headers) as resp:
        assert [n["status"]["id"] for n in await resp.json()] == [reply["id"]]
