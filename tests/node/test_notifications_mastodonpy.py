"""Mastodon.py against notifications (flat and grouped) and search.

Mastodon.py is synchronous, so the node runs in its own thread (`live_node`).
"""

from __future__ import annotations

from mastodon import Mastodon

from tests.conftest import NodeThread


def client(live: NodeThread, token: str) -> Mastodon:
    assert live.node is not None
    return Mastodon(access_token=token, api_base_url=live.node.base_url, version_check_mode="none")


def test_mastodon_py_notifications_and_search(live_node: NodeThread) -> None:
    # Given alice, and bob and carol who interact with her post
    node = live_node.node
    assert node is not None
    sessions = [live_node.call(node.account(n)) for n in ("alice", "bob", "carol")]
    alice, bob, carol = (client(live_node, s.token) for s in sessions)
    post = alice.status_post("北京市微博客发展 fake invoices warning")
    bob.status_favourite(post.id)
    carol.status_favourite(post.id)
    mention = bob.status_post("@alice 看看这个")

    # When alice reads her notifications the flat way
    flat = alice.notifications()
    # Then she sees the mention and both favourites, newest first
    assert [(n.type, n.account.acct) for n in flat] == [("mention", "bob"), ("favourite", "carol"),
                                                        ("favourite", "bob")]
    assert flat[0].status.id == mention.id

    # When she reads them grouped (Mastodon.py asks for partial avatars)
    grouped = alice.grouped_notifications()
    groups = grouped.notification_groups
    # Then the favourites are one group of two, carol in full and bob partial
    assert [(g.type, g.notifications_count) for g in groups] == [("mention", 1), ("favourite", 2)]
    assert {a.acct for a in grouped.accounts} == {"bob", "carol"}
    assert [a.acct for a in grouped.partial_accounts] == []  # bob is in full: his mention group leads
    assert [a.acct for a in alice.grouped_notification_accounts(groups[1].group_key)] == ["carol", "bob"]

    # When she marks all read and then dismisses the favourites group
    alice.markers_set("notifications", flat[0].id)
    assert alice.notifications_unread_count().count == 0
    alice.dismiss_grouped_notification(groups[1].group_key)
    # Then only the mention is left
    assert [n.type for n in alice.notifications()] == ["mention"]

    # And search finds the post by a Chinese word and an English one, and the accounts
    assert [s.id for s in bob.search_v2("微博").statuses] == [post.id]
    assert [s.id for s in bob.search_v2("INVOICES", result_type="statuses").statuses] == [post.id]
    assert [a.acct for a in bob.search_v2("@alice").accounts] == ["alice"]
