"""Mastodon.py against the notification policy and requests: notifications
from strangers filtered into requests when made, accepted back, dismissed
or dropped (the node runs in its own thread, `live_node`)."""

from __future__ import annotations

import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from tests.conftest import NodeThread
from tests.node.test_notifications_mastodonpy import client


def _flat(m: Mastodon, **params: object) -> list[tuple[str, str]]:
    found = m._Mastodon__api_request("GET", "/api/v1/notifications", params)
    return [(n["type"], n["account"]["acct"]) for n in found]


def test_strangers_are_filtered_into_requests_and_accepted_back(live_node: NodeThread) -> None:
    # Given alice, who follows bob, and strangers carol, dave and erin
    node = live_node.node
    assert node is not None
    s = {n: live_node.call(node.account(n)) for n in ("alice", "bob", "carol", "dave", "erin")}
    alice, bob, carol, dave, erin = (client(live_node, s[n].token) for n in ("alice", "bob", "carol", "dave", "erin"))
    alice.account_follow(s["bob"].account.id)
    # When she filters notifications from people she does not follow
    policy = alice.update_notifications_policy(for_not_following="filter")
    assert (policy.for_not_following, policy.for_private_mentions) == ("filter", "filter")
    post = alice.status_post("who reads this?")
    bob.status_post("@alice hello")
    carol.status_post("@alice buy followers here")
    carol.status_favourite(post.id)
    dave.status_post("@alice fake invoices, cheap")
    # Then only bob's mention is in her notifications; the rest are filtered, not lost
    assert _flat(alice) == [("mention", "bob")]
    assert [(g.type, g.notifications_count) for g in alice.grouped_notifications().notification_groups] == [
        ("mention", 1)]
    assert _flat(alice, include_filtered="true") == [("mention", "dave"), ("favourite", "carol"),
                                                     ("mention", "carol"), ("mention", "bob")]
    # And each stranger's mentions make one request, counted in the policy's summary
    requests = alice.notification_requests()
    assert [(r.account.acct, r.notifications_count) for r in requests] == [("dave", "1"), ("carol", "1")]
    assert "fake invoices" in requests[0].last_status.content
    summary = alice.notifications_policy().summary
    assert (summary.pending_requests_count, summary.pending_notifications_count) == (2, 2)

    # When she accepts carol's request and dismisses dave's
    carol_request, dave_request = requests[1], requests[0]
    assert alice.notification_request(carol_request.id).account.acct == "carol"
    alice.accept_notification_request(carol_request.id)
    alice.dismiss_notification_request(dave_request.id)
    # Then carol's mention and favourite are back, dave's are gone, and the merge is done
    assert _flat(alice) == [("favourite", "carol"), ("mention", "carol"), ("mention", "bob")]
    assert _flat(alice, include_filtered="true") == _flat(alice)
    assert alice.notification_requests() == [] and alice.notifications_merged() is True
    # And carol is never filtered again; a new stranger still is
    carol.status_post("@alice thanks")
    erin.status_post("@alice gambling ads")
    assert _flat(alice)[0] == ("mention", "carol")
    assert [r.account.acct for r in alice.notification_requests()] == ["erin"]
    with pytest.raises(MastodonNotFoundError):
        alice.accept_notification_request(dave_request.id)


def test_drop_policies_v1_booleans_and_bulk_answers(live_node: NodeThread) -> None:
    # Given alice and strangers bob, carol and dave
    node = live_node.node
    assert node is not None
    s = {n: live_node.call(node.account(n)) for n in ("alice", "bob", "carol", "dave")}
    alice, bob, carol, dave = (client(live_node, s[n].token) for n in ("alice", "bob", "carol", "dave"))
    # When she drops notifications from accounts she does not follow
    alice.update_notifications_policy(for_not_following="drop")
    bob.status_post("@alice spam spam")
    # Then nothing is kept, filtered or not, and no request is made
    assert _flat(alice, include_filtered="true") == [] and alice.notification_requests() == []
    # And the v1 policy reads only `filter` as true; its booleans set filter or accept
    v1 = alice._Mastodon__api_request("GET", "/api/v1/notifications/policy")
    assert v1["filter_not_following"] is False and v1["filter_private_mentions"] is True
    v1 = alice._Mastodon__api_request("PATCH", "/api/v1/notifications/policy",
                                      {"filter_not_following": "true", "filter_private_mentions": "false"})
    assert (v1["filter_not_following"], v1["filter_private_mentions"]) == (True, False)
    assert alice.notifications_policy().for_private_mentions == "accept"
    with pytest.raises(MastodonAPIError):
        alice.update_notifications_policy(for_new_accounts="ignore")
    # When two strangers mention her, she accepts both requests at once
    carol.status_post("@alice one")
    dave.status_post("@alice two")
    ids = [r.id for r in alice.notification_requests()]
    assert len(ids) == 2
    alice.accept_multiple_notification_requests(ids)
    assert sorted(a for _, a in _flat(alice)) == ["carol", "dave"] and alice.notification_requests() == []
