"""Mastodon.py through media: upload, post with it, describe it anew in an
edit, and delete."""

from __future__ import annotations

import io

from mastodon import Mastodon

from tests.conftest import NodeThread
from tests.node.test_media import png


def client(live: NodeThread, token: str) -> Mastodon:
    assert live.node is not None
    return Mastodon(access_token=token, api_base_url=live.node.base_url, version_check_mode="none")


def test_mastodon_py_media_flow(live_node: NodeThread) -> None:
    node = live_node.node
    assert node is not None
    alice = client(live_node, live_node.call(node.account("alice")).token)
    # When alice uploads an image with a description and a focus
    media = alice.media_post(io.BytesIO(png(6, 3)), mime_type="image/png", description="a wide grey picture",
                             focus=(0.5, 0.5), file_name="picture.png")
    assert media.type == "image" and media.description == "a wide grey picture"
    assert (media.meta.original.width, media.meta.original.height) == (6, 3)
    # And changes its description before posting
    assert alice.media_update(media.id, description="a grey picture").description == "a grey picture"
    # Then she can post it without text, and read it back
    posted = alice.status_post("", media_ids=[media.id])
    assert [m.id for m in posted.media_attachments] == [media.id]
    assert alice.status(posted.id).media_attachments[0].description == "a grey picture"
    # And an edit describes it anew (media_attributes alone: Mastodon.py derives media_ids from
    # them, and fails adding two sets when both are given)
    attributes = alice.generate_media_edit_attributes(media.id, description="described in an edit")
    edited = alice.status_update(posted.id, "now with words", media_attributes=[attributes])
    assert edited.media_attachments[0].description == "described in an edit"
    # And deleting hands the media back for a redraft
    deleted = alice.status_delete(posted.id)
    assert [m.id for m in deleted.media_attachments] == [media.id]
    assert alice.status_post("redrafted", media_ids=[media.id]).media_attachments[0].id == media.id
