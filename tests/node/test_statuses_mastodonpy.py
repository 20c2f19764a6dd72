"""A real client library, Mastodon.py, through the status and timeline API.

Mastodon.py is synchronous, so the node runs in its own thread (`live_node`).
"""

from __future__ import annotations

from mastodon import Mastodon

from node.keys import DB
from tests.conftest import NodeThread


def client(live: NodeThread, token: str) -> Mastodon:
    assert live.node is not None
    return Mastodon(access_token=token, api_base_url=live.node.base_url, version_check_mode="none")


def test_mastodon_py_status_flow(live_node: NodeThread) -> None:
    # Given two users, bob following alice
    node = live_node.node
    assert node is not None
    alice_s, bob_s = live_node.call(node.account("alice")), live_node.call(node.account("bob"))
    live_node.call(node.app[DB].execute(
        "INSERT INTO follows (id, account_id, target_id, created_at) VALUES (1, ?, ?, 'x')",
        (bob_s.account.id, alice_s.account.id)))
    alice, bob = client(live_node, alice_s.token), client(live_node, bob_s.token)

    # When alice posts (twice with one idempotency key) and bob replies, favourites, boosts, bookmarks
    first = alice.status_post("hello from Mastodon.py #测试", idempotency_key="same")
    assert alice.status_post("hello from Mastodon.py #测试", idempotency_key="same").id == first.id
    reply = bob.status_post("@alice nice", in_reply_to_id=first.id)
    assert bob.status_favourite(first.id).favourited is True
    assert bob.status_reblog(first.id).reblog.id == first.id
    assert bob.status_bookmark(first.id).bookmarked is True

    # Then alice sees the counts and the thread
    seen = alice.status(first.id)
    assert (seen.replies_count, seen.favourites_count, seen.reblogs_count) == (1, 1, 1)
    assert [s.id for s in alice.status_context(first.id).descendants] == [reply.id]
    assert [t.name for t in seen.tags] == ["测试"]

    # And edits keep their history and source
    alice.status_update(first.id, "hello again")
    assert len(alice.status_history(first.id)) == 2
    assert alice.status_source(first.id).text == "hello again"

    # And bob's home timeline pages with fetch_next through every item exactly once
    for i in range(5):
        alice.status_post(f"more {i}")
    page = bob.timeline_home(limit=3)
    seen_ids = [s.id for s in page]
    while (page := bob.fetch_next(page)):
        seen_ids += [s.id for s in page]
    assert len(seen_ids) == len(set(seen_ids)) == 8  # 6 of alice's, bob's reply and boost
    assert [s.id for s in bob.bookmarks()] == [first.id]

    # And deleting returns the source for redrafting
    deleted = alice.status_delete(first.id)
    assert deleted.text == "hello again"
