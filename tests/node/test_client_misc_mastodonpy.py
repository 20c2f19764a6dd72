"""Mastodon.py against the start-up endpoints: markers, preferences, lists,
filters, tags and trends (the node runs in its own thread, `live_node`)."""

from __future__ import annotations

from node.keys import DB
from tests.conftest import NodeThread
from tests.node.test_notifications_mastodonpy import client


def test_mastodon_py_start_up_endpoints(live_node: NodeThread) -> None:
    # Given alice, who follows bob
    node = live_node.node
    assert node is not None
    alice_s, bob_s = live_node.call(node.account("alice")), live_node.call(node.account("bob"))
    live_node.call(node.app[DB].execute(
        "INSERT INTO follows (id, account_id, target_id, created_at) VALUES (1, ?, ?, 'x')",
        (alice_s.account.id, bob_s.account.id)))
    alice, bob = client(live_node, alice_s.token), client(live_node, bob_s.token)

    # When her client runs its start-up calls
    # Then each answers in the shape Mastodon.py expects
    assert alice.preferences()["posting:default:visibility"] == "public"
    assert alice.custom_emojis() == [] and alice.announcements() == []
    assert alice.markers_get(["home", "notifications"]) == {}
    saved = alice.markers_set(["home", "notifications"], [10, 20])
    assert (saved.home.last_read_id, saved.notifications.last_read_id) == ("10", "20")
    assert alice.markers_get("home").home.version == 0

    # And a list of the people she follows can be made and filled
    work = alice.list_create("Work")
    alice.list_accounts_add(work, [bob_s.account.id])
    assert [a.acct for a in alice.list_accounts(work)] == ["bob"]
    alice.list_accounts_delete(work, [bob_s.account.id])
    assert alice.list_accounts(work) == []

    # And filters v2 round-trip with keywords
    made = alice.create_filter_v2("Ads", ["home"], "warn", keywords_attributes=[{"keyword": "spam"}])
    alice.add_filter_keyword_v2(made, "fraud", whole_word=True)
    assert [k.keyword for k in alice.filter_keywords_v2(made)] == ["spam", "fraud"]
    assert [f.title for f in alice.filters_v2()] == ["Ads"]
    alice.delete_filter_v2(made)
    assert alice.filters_v2() == []

    # And tags can be followed and trend
    bob.status_post("#测试 first")
    assert alice.tag_follow("测试").following is True
    assert [t.name for t in alice.followed_tags()] == ["测试"]
    assert [t.name for t in alice.trending_tags()] == ["测试"]
