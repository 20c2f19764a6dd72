"""Mastodon.py drives a Web Push subscription end to end against a live node,
and decrypts what arrives with its own helper (the pre-RFC `aesgcm` form
Mastodon.py's subscriptions get, as from Mastodon)."""

from __future__ import annotations

import asyncio

import pytest
from mastodon import MastodonNotFoundError

from tests.conftest import NodeThread
from tests.node.test_notifications_mastodonpy import client
from tests.node.push_receiver import PushReceiver, vapid_claims


def test_mastodon_py_push_subscription_and_decrypted_pushes(live_node: NodeThread) -> None:
    # Given alice and bob, and a push service on loopback
    node = live_node.node
    assert node is not None
    alice_s, bob_s = (live_node.call(node.account(n)) for n in ("alice", "bob"))
    alice, bob = client(live_node, alice_s.token), client(live_node, bob_s.token)
    receiver: PushReceiver = live_node.call(PushReceiver().start())
    try:
        # When alice's app subscribes for follows and mentions with keys Mastodon.py made
        private, public = alice.push_subscription_generate_keys()
        made = alice.push_subscription_set(receiver.endpoint("alice"), public, follow_events=True,
                                           mention_events=True, favourite_events=False)
        # Then the node holds it and names its VAPID key, the instance's
        shown = alice.push_subscription()
        assert shown.id == made.id and shown.endpoint == receiver.endpoint("alice")
        assert (shown.alerts.follow, shown.alerts.mention, shown.alerts.favourite) == (True, True, False)
        assert shown.server_key == alice.instance_v2().configuration.vapid.public_key
        # When bob follows her, favourites her post and mentions her
        post = alice.status_post("午饭吃什么")
        bob.account_follow(alice_s.account.id)
        bob.status_favourite(post.id)
        bob.status_post("@alice 饺子")
        pushes = live_node.call(receiver.wait_for(2))
        live_node.call(asyncio.sleep(0.5))  # a third (the favourite) would have come by now
        # Then two pushes came, which Mastodon.py decrypts with alice's private key
        assert len(receiver.received) == 2
        decoded = [alice.push_subscription_decrypt_push(p.body, private, p.headers["Encryption"],
                                                        p.headers["Crypto-Key"]) for p in pushes]
        assert [(d.notification_type, d.title, d.access_token) for d in decoded] == [
            ("follow", "bob is now following you", alice_s.token),
            ("mention", "You were mentioned by bob", alice_s.token)]
        assert decoded[1].body == "@alice 饺子"
        assert {str(d.notification_id) for d in decoded} == {str(n.id) for n in alice.notifications(
            types=["follow", "mention"])}
        # And each is signed (draft VAPID) with the node's key
        key = shown.server_key
        assert pushes[0].headers["Crypto-Key"].endswith(f"p256ecdsa={key}")
        scheme, _, token = pushes[0].headers["Authorization"].partition(" ")
        assert scheme == "WebPush" and vapid_claims(token, key)["aud"] == f"http://127.0.0.1:{receiver.port}"

        # When she turns on favourites only (an update replaces the alerts)
        updated = alice.push_subscription_update(favourite_events=True)
        assert (updated.alerts.favourite, updated.alerts.follow) == (True, False)
        # And deletes the subscription
        alice.push_subscription_delete()
        # Then there is none any more
        with pytest.raises(MastodonNotFoundError):
            alice.push_subscription()
    finally:
        live_node.call(receiver.stop())
