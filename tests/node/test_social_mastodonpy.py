"""Mastodon.py against the social features: domain blocks, private notes,
endorsements, featured tags and follow suggestions (the node runs in its
own thread, `live_node`)."""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.conftest import NodeThread
from tests.node.test_notifications_mastodonpy import client


def test_domain_blocks_are_listed_paged_and_lifted(live_node: NodeThread) -> None:
    # Given alice
    node = live_node.node
    assert node is not None
    alice = client(live_node, live_node.call(node.account("alice")).token)
    # When she blocks three domains, one written in capitals with a trailing slash
    for domain in ("spam.example", "Fraud.EXAMPLE/", "ads.example"):
        alice.domain_block(domain)
    # Then they are listed newest first, normalised, two to a page with a next page
    first = alice.domain_blocks(limit=2)
    assert list(first) == ["ads.example", "fraud.example"]
    assert list(alice.fetch_next(first)) == ["spam.example"]
    # And blocking one again changes nothing; unblocking removes it
    alice.domain_block("spam.example")
    alice.domain_unblock("fraud.example")
    assert list(alice.domain_blocks()) == ["ads.example", "spam.example"]
    # And a blank or malformed domain, or the node's own, is refused with 422
    for bad in ("", "https://x.example/path", node.config.node.domain):
        with pytest.raises(MastodonAPIError) as refused:
            alice.domain_block(bad)
        assert refused.value.args[1] == 422


def test_private_notes_are_seen_by_their_author_only(live_node: NodeThread) -> None:
    # Given alice and bob
    node = live_node.node
    assert node is not None
    alice_s, bob_s = live_node.call(node.account("alice")), live_node.call(node.account("bob"))
    alice, bob = client(live_node, alice_s.token), client(live_node, bob_s.token)
    # When alice notes something about bob
    rel = alice.account_note_set(bob_s.account.id, "met at the 微博 meetup")
    # Then her relationship to bob carries it, and bob's to her does not
    assert rel.note == "met at the 微博 meetup"
    assert alice.account_relationships(bob_s.account.id)[0].note == "met at the 微博 meetup"
    assert bob.account_relationships(alice_s.account.id)[0].note == ""
    # And an empty note removes it; too long a note is refused
    assert alice.account_note_set(bob_s.account.id, "").note == ""
    with pytest.raises(MastodonAPIError):
        alice.account_note_set(bob_s.account.id, "x" * 2001)
    with pytest.raises(MastodonNotFoundError):
        alice.account_note_set(987654321, "nobody")


def test_endorsements_need_a_follow_and_end_with_it(live_node: NodeThread) -> None:
    # Given alice, bob and carol; alice follows bob
    node = live_node.node
    assert node is not None
    sessions = [live_node.call(node.account(n)) for n in ("alice", "bob", "carol")]
    alice, bob, carol = (client(live_node, s.token) for s in sessions)
    bob_id, carol_id = sessions[1].account.id, sessions[2].account.id
    alice.account_follow(bob_id)
    # When she endorses bob (the 4.4 name) and tries carol, whom she does not follow
    assert alice.account_endorse(bob_id).endorsed is True
    with pytest.raises(MastodonAPIError) as refused:
        alice.account_pin(carol_id)
    assert refused.value.args[1] == 422
    # Then her endorsements, and anyone's view of them, list bob only
    assert [a.acct for a in alice.endorsements()] == ["bob"]
    # (Mastodon.py 2.3 has no method for 4.4's GET /api/v1/accounts/:id/endorsements yet)
    theirs = carol._Mastodon__api_request("GET", f"/api/v1/accounts/{sessions[0].account.id}/endorsements")
    assert [a["acct"] for a in theirs] == ["bob"]
    assert alice.account_relationships(bob_id)[0].endorsed is True
    # And unpinning ends it, as does unfollowing after endorsing again
    assert alice.account_unpin(bob_id).endorsed is False
    alice.account_pin(bob_id)
    alice.account_unfollow(bob_id)
    assert alice.endorsements() == [] and alice.account_relationships(bob_id)[0].endorsed is False


def test_featured_tags_are_counted_suggested_and_shown(live_node: NodeThread) -> None:
    # Given alice, who posts with #茶 twice and #spam once (one of them private)
    node = live_node.node
    assert node is not None
    alice_s, bob_s = live_node.call(node.account("alice")), live_node.call(node.account("bob"))
    alice, bob = client(live_node, alice_s.token), client(live_node, bob_s.token)
    alice.status_post("#茶 morning")
    alice.status_post("#茶 evening", visibility="private")
    alice.status_post("#spam is not welcome")
    # When she asks for suggestions, then features #茶
    assert [t.name for t in alice.featured_tag_suggestions()] == ["茶", "spam"]
    featured = alice.featured_tag_create("茶")
    # Then the featured tag counts only her public and unlisted posts, dated by the last
    assert (featured.name, featured.statuses_count) == ("茶", "1")
    assert featured.last_status_at is not None and len(str(featured.last_status_at)) >= 10
    assert [t.name for t in alice.featured_tags()] == ["茶"]
    assert [t["name"] for t in bob.account_featured_tags(alice_s.account.id)] == ["茶"]
    # And suggestions leave it out; featuring it again returns the same one
    assert [t.name for t in alice.featured_tag_suggestions()] == ["spam"]
    assert alice.featured_tag_create("茶").id == featured.id
    # And the 4.4 tag endpoints feature and unfeature by name
    assert alice.tag_feature("spam").featuring is True
    assert sorted(t.name for t in alice.featured_tags()) == ["spam", "茶"]
    assert alice.tag_unfeature("spam").featuring is False
    # And deleting removes it; a bad name is refused
    alice.featured_tag_delete(featured.id)
    assert alice.featured_tags() == []
    with pytest.raises(MastodonAPIError):
        alice.featured_tag_create("not a tag!")
    with pytest.raises(MastodonNotFoundError):
        alice.featured_tag_delete(featured.id)


def test_suggestions_come_from_follows_of_follows_and_staff_picks(live_node: NodeThread) -> None:
    # Given alice follows bob and carol, who both follow dave; carol follows erin;
    # and an admin picks frank
    node = live_node.node
    assert node is not None
    names = ("alice", "bob", "carol", "dave", "erin", "frank")
    sessions = {n: live_node.call(node.account(n)) for n in names}
    admin_s = live_node.call(node.account("root", role="admin"))
    c = {n: client(live_node, s.token) for n, s in sessions.items()}
    ids = {n: s.account.id for n, s in sessions.items()}
    for follower, followed in (("alice", "bob"), ("alice", "carol"), ("bob", "dave"), ("carol", "dave"),
                               ("carol", "erin")):
        c[follower].account_follow(ids[followed])
    admin = client(live_node, admin_s.token)
    admin._Mastodon__api_request("POST", "/api/v1/admin/follow_recommendations", {"account_id": ids["frank"]})
    # When alice asks for suggestions
    found = c["alice"].suggestions_v2()
    # Then the staff pick comes first, then dave (two of her follows follow him), then erin
    assert [(s.account.acct, s.source, s.sources) for s in found] == [
        ("frank", "staff", ["featured"]), ("dave", "past_interactions", ["friends_of_friends"]),
        ("erin", "past_interactions", ["friends_of_friends"])]
    assert [a.acct for a in c["alice"].suggestions_v1()] == ["frank", "dave", "erin"]
    # And dismissing dave, following erin and the admin dropping frank leave nothing
    c["alice"].suggestion_delete(ids["dave"])
    c["alice"].account_follow(ids["erin"])
    admin._Mastodon__api_request("DELETE", f"/api/v1/admin/follow_recommendations/{ids['frank']}")
    assert c["alice"].suggestions_v2() == []
    # And a user cannot pick staff picks
    with pytest.raises(MastodonAPIError):
        c["bob"]._Mastodon__api_request("POST", "/api/v1/admin/follow_recommendations", {"account_id": ids["bob"]})
