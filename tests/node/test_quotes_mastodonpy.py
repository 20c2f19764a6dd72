"""Mastodon.py drives quote posts (Mastodon 4.5) end to end against a live node."""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError

from tests.conftest import NodeThread
from tests.node.test_notifications_mastodonpy import client


def test_mastodon_py_quote_flow(live_node: NodeThread) -> None:
    # Given alice's public post, and bob and carol on the same node
    node = live_node.node
    assert node is not None
    sessions = [live_node.call(node.account(n)) for n in ("alice", "bob", "carol")]
    alice, bob, carol = (client(live_node, s.token) for s in sessions)
    post = alice.status_post("北京今天有雾 fog in Beijing", quote_approval_policy="public")
    assert post.quote_approval.automatic == ["public"] and post.quote_approval.current_user == "automatic"
    assert bob.status(post.id).quote_approval.current_user == "automatic"

    # When bob quotes it
    quoting = bob.status_post("看这个 look at this", quoted_status_id=post.id)
    # Then the quote is accepted at once (a local author's policy allows it) and shows alice's post
    assert quoting.quote.state == "accepted"
    assert quoting.quote.quoted_status.id == post.id
    assert quoting.quote.quoted_status.content == post.content
    # And alice is notified, counts it, and lists it
    assert [(n.type, n.account.acct, n.status.id) for n in alice.notifications(types=["quote"])] == [
        ("quote", "bob", quoting.id)]
    assert alice.status(post.id).quotes_count == 1
    assert [s.id for s in alice.status_quotes(post.id)] == [quoting.id]

    # When alice edits her post, bob (who quoted it) is told
    alice.status_update(post.id, "北京今天有雾 fog in Beijing, thick")
    assert [(n.type, n.status.id) for n in bob.notifications(types=["quoted_update"])] == [
        ("quoted_update", post.id)]

    # When carol quotes bob's quote, the quote inside is shallow
    nested = carol.status_post("quote of a quote", quoted_status_id=quoting.id)
    inner = nested.quote.quoted_status
    assert inner.id == quoting.id and inner.quote.state == "accepted"
    assert str(inner.quote.quoted_status_id) == str(post.id)

    # When alice lets nobody quote the post any more
    changed = alice.status_update_quote_approval_policy(post.id, "nobody")
    assert changed.quote_approval.automatic == [] and bob.status(post.id).quote_approval.current_user == "denied"
    # Then carol cannot quote it
    with pytest.raises(MastodonAPIError) as refused:
        carol.status_post("me too", quoted_status_id=post.id)
    assert refused.value.args[1] == 422
    # But alice may quote herself
    own = alice.status_post("still foggy", quoted_status_id=post.id)
    assert own.quote.state == "accepted"

    # When alice revokes bob's quote
    revoked = alice.status_quote_revoke(post.id, quoting.id)
    # Then it is revoked for everyone, no longer shows her post, and is no longer listed
    assert revoked.id == quoting.id and revoked.quote.state == "revoked" and revoked.quote.quoted_status is None
    assert carol.status(quoting.id).quote.state == "revoked"
    assert [s.id for s in alice.status_quotes(post.id)] == [own.id] and alice.status(post.id).quotes_count == 1

    # And a followers-only post is not quotable by others, nor a missing one
    private = alice.status_post("for followers", visibility="private")
    bob.account_follow(sessions[0].account.id)
    with pytest.raises(MastodonAPIError) as denied:
        bob.status_post("leak", quoted_status_id=private.id)
    assert denied.value.args[1] == 422
    with pytest.raises(MastodonAPIError) as missing:
        bob.status_post("nothing", quoted_status_id="12345")
    assert missing.value.args[1] == 404

    # And an edit sets who may quote a post
    plain = bob.status_post("no quote yet")
    edited = bob.status_update(plain.id, "now followers only", quote_approval_policy="followers")
    assert edited.quote_approval.automatic == ["followers"]
    assert carol.status(plain.id).quote_approval.current_user == "denied"
