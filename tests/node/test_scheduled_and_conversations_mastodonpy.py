"""Scheduled statuses and direct-message conversations through a real
client library, Mastodon.py, against a live node (`live_node`)."""

from __future__ import annotations

import datetime as dt

import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from node.scheduled_setup import publish_due
from tests.conftest import NodeThread
from tests.node.test_media import png
from tests.node.test_statuses_mastodonpy import client


def test_mastodon_py_schedules_lists_moves_cancels_and_sees_it_published(live_node: NodeThread) -> None:
    node = live_node.node
    assert node is not None
    alice = client(live_node, live_node.call(node.account("alice")).token)
    now = dt.datetime.now(dt.timezone.utc)
    # When alice schedules two posts, one with a picture, the way Mastodon.py sends them
    media = alice.media_post(png(), mime_type="image/png", description="grey")
    first = alice.status_post("see you at noon", scheduled_at=now + dt.timedelta(hours=1), media_ids=[media])
    second = alice.status_post("a poll for later", scheduled_at=now + dt.timedelta(hours=3),
                               poll=alice.make_poll(["tea", "coffee"], expires_in=3600))
    # Then Mastodon.py reads ScheduledStatus entities back, with their params and media
    assert first.params.text == "see you at noon" and [m["id"] for m in first.media_attachments] == [media.id]
    assert second.params["poll"]["options"] == ["tea", "coffee"]
    assert [s.id for s in alice.scheduled_statuses()] == [second.id, first.id]
    assert alice.scheduled_status(first.id).scheduled_at.replace(microsecond=0) == (
        now + dt.timedelta(hours=1)).replace(microsecond=0)
    assert alice.account_statuses(alice.me()) == []  # nothing published yet

    # When she moves the first to tomorrow and cancels the second
    moved = alice.scheduled_status_update(first.id, now + dt.timedelta(days=1))
    assert moved.scheduled_at > now + dt.timedelta(hours=23)
    alice.scheduled_status_delete(second.id)
    with pytest.raises(MastodonNotFoundError):
        alice.scheduled_status(second.id)
    with pytest.raises(MastodonAPIError, match="Scheduled at"):
        alice.scheduled_status_update(first.id, now + dt.timedelta(minutes=1))

    # Then the worker publishes the first at its new time, with its picture, and nothing else
    assert live_node.call(publish_due(node.app, now + dt.timedelta(hours=4))) == 0
    assert live_node.call(publish_due(node.app, now + dt.timedelta(days=1, minutes=1))) == 1
    posted = alice.account_statuses(alice.me())[0]
    assert "see you at noon" in posted.content and [m.id for m in posted.media_attachments] == [media.id]
    assert alice.scheduled_statuses() == []


def test_mastodon_py_conversations(live_node: NodeThread) -> None:
    node = live_node.node
    assert node is not None
    alice = client(live_node, live_node.call(node.account("alice")).token)
    bob = client(live_node, live_node.call(node.account("bob")).token)
    # When alice writes to bob directly
    message = alice.status_post("@bob lunch?", visibility="direct")
    # Then bob has an unread conversation with her
    (conversation,) = bob.conversations()
    assert conversation.unread is True and conversation.last_status.id == message.id
    assert [a.acct for a in conversation.accounts] == ["alice"]
    # When he reads it and answers
    assert bob.conversations_read(conversation).unread is False
    answer = bob.status_post("@alice yes", visibility="direct", in_reply_to_id=message)
    # Then alice's conversation now ends with the answer, unread
    (hers,) = alice.conversations()
    assert hers.last_status.id == answer.id and hers.unread is True
    assert [a.acct for a in hers.accounts] == ["bob"]
