"""Polls through a real client library, Mastodon.py (the node in its own
thread: `live_node`)."""

from __future__ import annotations

import pytest
from mastodon import MastodonAPIError

from node.keys import DB
from node.poll_setup import sweep_polls
from tests.conftest import NodeThread
from tests.node.test_statuses_mastodonpy import client


def test_mastodon_py_poll_flow(live_node: NodeThread) -> None:
    # Given alice and bob
    node = live_node.node
    assert node is not None
    alice_s, bob_s = live_node.call(node.account("alice")), live_node.call(node.account("bob"))
    alice, bob = client(live_node, alice_s.token), client(live_node, bob_s.token)

    # When alice posts a multiple-choice poll the way Mastodon.py builds one
    status = alice.status_post("lunch?", poll=alice.make_poll(["noodles", "dumplings", "rice"],
                                                                 expires_in=300, multiple=True))
    assert [o.title for o in status.poll.options] == ["noodles", "dumplings", "rice"]
    assert status.poll.multiple is True and status.poll.voted is True

    # And bob votes for two options
    after = bob.poll_vote(status.poll.id, [0, 2])
    assert [o.votes_count for o in after.options] == [1, 0, 1]
    assert (after.voters_count, after.own_votes) == (1, [0, 2])
    assert bob.poll(status.poll.id).voted is True

    # Then a repeated choice is refused with Mastodon's message
    with pytest.raises(MastodonAPIError, match="already voted"):
        bob.poll_vote(status.poll.id, [0])

    # And when it ends, both are told
    live_node.call(node.app[DB].execute("UPDATE polls SET expires_at = '2000-01-01T00:00:00.000Z'"))
    live_node.call(sweep_polls(node.app))
    assert [n.type for n in alice.notifications()] == ["poll"]
    assert [n.type for n in bob.notifications(types=["poll"])] == ["poll"]
    assert bob.poll(status.poll.id).expired is True
