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
