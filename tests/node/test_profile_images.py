"""Avatars and headers (issue #13, through issue #14's image pipeline).

On main, update_credentials with `avatar`/`header` files answered 200 and
kept `/static/avatar.png`. Now they are cropped to Mastodon's sizes,
stripped of metadata, stored, served, shown in the Account entity,
federated as the actor's `icon`/`image` (an Update reaches followers'
nodes) and removed with `DELETE /api/v1/profile/avatar|header`.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request

import aiohttp
from mastodon import Mastodon
from PIL import Image

from tests.conftest import NodeThread
from tests.federation.e2e import Three, three
from tests.node.test_media_privacy import CAMERA, no_metadata, revealing_jpeg

__all__ = ["three"]


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 200, 90)).save(out, "PNG")
    return out.getvalue()


def test_mastodon_py_sets_and_removes_avatar_and_header(live_node: NodeThread) -> None:
    node = live_node.node
    token = live_node.call(node.account("alice")).token
    api = Mastodon(access_token=token, api_base_url=node.base_url, version_check_mode="none")
    # When alice sets a phone photo (with GPS and camera EXIF) as avatar and a wide picture as header
    account = api.account_update_credentials(avatar=revealing_jpeg(1200, 800), avatar_mime_type="image/jpeg",
                                             header=_png(3000, 1500), header_mime_type="image/png")
    # Then the Account shows them, on this node
    for key in ("avatar", "avatar_static", "header", "header_static"):
        assert account[key].startswith(node.url("/system/accounts/")), account[key]
    assert api.account_verify_credentials()["avatar"] == account["avatar"]
    # And they are cropped to Mastodon's sizes, with nothing about the camera or place
    with urllib.request.urlopen(account["avatar"]) as resp:
        assert resp.headers["Content-Type"] == "image/jpeg"
        avatar = resp.read()
    no_metadata(avatar)
    assert Image.open(io.BytesIO(avatar)).size == (400, 400)
    with urllib.request.urlopen(account["header"]) as resp:
        header = resp.read()
    assert Image.open(io.BytesIO(header)).size == (1500, 500)
    # And a file that is not an image is refused, leaving the avatar as it was
    refused = None
    try:
        api.account_update_credentials(avatar=b"<svg onload='x'/>", avatar_mime_type="image/png")
    except Exception as exc:  # Mastodon.py raises MastodonAPIError (422)
        refused = exc
    assert refused is not None and "422" in str(refused)
    assert api.account_verify_credentials()["avatar"] == account["avatar"]
    # When she removes the avatar (Mastodon 4.2's DELETE /api/v1/profile/avatar)
    after = api.account_delete_avatar()
    assert after["avatar"] == node.url("/static/avatar.png") and after["header"] == account["header"]
    try:
        urllib.request.urlopen(account["avatar"])
        gone = False
    except urllib.error.HTTPError as exc:
        gone = exc.code == 404
    assert gone
    assert api.account_delete_header()["header"] == node.url("/static/header.png")


async def test_avatar_federates_as_icon_and_reaches_followers_nodes(three: Three) -> None:
    alice = await three.user(three.north, "alice")
    bob = await three.user(three.south, "bob")
    await bob.follow(alice)
    await three.quiet()
    # When alice sets an avatar
    form = aiohttp.FormData()
    form.add_field("avatar", revealing_jpeg(600, 600), filename="me.jpg", content_type="image/jpeg")
    async with three.http.patch(three.north.url("/api/v1/accounts/update_credentials"), data=form,
                                headers=alice.session.headers) as resp:
        assert resp.status == 200, await resp.text()
        mine = (await resp.json())["avatar"]
    assert CAMERA not in mine
    await three.quiet()
    # Then bob's node got the actor Update and shows her avatar, from her node
    seen = await bob.resolve(alice)
    assert seen["avatar"] == mine and seen["avatar_static"] == mine
