"""Custom emoji uploaded by staff and shown to Mastodon.py: listed, served
as the bytes proved, and named in statuses and profiles that write their
`:shortcode:` (the node runs in its own thread, `live_node`)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from mastodon import MastodonAPIError

from tests.conftest import NodeThread
from tests.node.test_media import jpeg, png
from tests.node.test_notifications_mastodonpy import client


def test_staff_upload_emoji_and_statuses_and_profiles_show_them(live_node: NodeThread) -> None:
    # Given an admin and alice
    node = live_node.node
    assert node is not None
    admin = client(live_node, live_node.call(node.account("root", role="admin")).token)
    alice_s = live_node.call(node.account("alice"))
    alice = client(live_node, alice_s.token)

    def upload(m: object, shortcode: str, data: bytes, **fields: str) -> dict[str, object]:
        return m._Mastodon__api_request(  # type: ignore[attr-defined]
            "POST", "/api/v1/admin/custom_emojis", {"shortcode": shortcode, **fields},
            files={"file": (f"{shortcode}.png", data, "image/png")})

    # When the admin uploads :blobcat: and a hidden :spamcan:
    made = upload(admin, "blobcat", png(4, 4), category="Cats")
    upload(admin, "spamcan", png(), visible_in_picker="false")
    # Then clients list the visible one, and its file is served as a PNG
    listed = alice.custom_emojis()
    assert [(e.shortcode, e.category, e.visible_in_picker) for e in listed] == [("blobcat", "Cats", True)]
    with urllib.request.urlopen(listed[0].url) as resp:
        assert resp.headers["Content-Type"] == "image/png" and resp.read() == png(4, 4)
    assert made["url"] == listed[0].url
    # And a status and a profile that write the shortcodes name them as emojis
    post = alice.status_post("hello :blobcat: and :spamcan: but not :nothing:")
    assert sorted(e.shortcode for e in post.emojis) == ["blobcat", "spamcan"]
    me = alice.account_update_credentials(display_name="alice :blobcat:")
    assert [e.shortcode for e in me.emojis] == ["blobcat"]
    assert [e.shortcode for e in alice.account(alice_s.account.id).emojis] == ["blobcat"]
    # And a user may not upload; a JPEG, a bad or taken shortcode are refused
    for who, shortcode, data in ((alice, "mine", png()), (admin, "photo", jpeg()), (admin, "x", png()),
                                 (admin, "blobcat", png())):
        with pytest.raises(MastodonAPIError):
            upload(who, shortcode, data)
    # When the admin disables :blobcat:, it leaves the list, the status and the profile
    admin._Mastodon__api_request("PATCH", f"/api/v1/admin/custom_emojis/{made['id']}", {"disabled": "true"})
    assert alice.custom_emojis() == []
    assert [e.shortcode for e in alice.status(post.id).emojis] == ["spamcan"]
    assert alice.account(alice_s.account.id).emojis == []
    # And deleting removes its file
    admin._Mastodon__api_request("DELETE", f"/api/v1/admin/custom_emojis/{made['id']}")
    assert [e["shortcode"] for e in admin._Mastodon__api_request("GET", "/api/v1/admin/custom_emojis")] == [
        "spamcan"]
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(listed[0].url)
