"""Media attachments on the client API: upload (v1, v2), the served file,
types by magic bytes, the size cap, screened descriptions, attaching to
statuses (Mastodon's limits and messages), edits and deletion."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

from node.keys import DB
from node.media_setup import sweep_unattached
from storage import clock
from tests.conftest import Node, Session, start_node
from tests.node.test_screening_api import snode  # noqa: F401 (a fixture)
from tests.openapi import assert_matches


def png(width: int = 3, height: int = 2) -> bytes:
    """A valid PNG: 8-bit greyscale, one zero byte of filter per row."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg(width: int = 5, height: int = 4) -> bytes:
    """A real JPEG (uploads are decoded: a header alone is refused)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 160, 200)).save(out, "JPEG")
    return out.getvalue()


def gif(width: int = 7, height: int = 6) -> bytes:
    return b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


async def upload(http: aiohttp.ClientSession, node: Node, who: Session, data: bytes, *,
                 path: str = "/api/v2/media", description: str | None = None, focus: str | None = None,
                 filename: str = "picture.png", content_type: str = "image/png") -> tuple[int, Any]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=filename, content_type=content_type)
    if description is not None:
        form.add_field("description", description)
    if focus is not None:
        form.add_field("focus", focus)
    async with http.post(node.url(path), data=form, headers=who.headers) as resp:
        return resp.status, await resp.json()


async def post(http: aiohttp.ClientSession, node: Node, who: Session, **body: Any) -> tuple[int, Any]:
    async with http.post(node.url("/api/v1/statuses"), json=body, headers=who.headers) as resp:
        return resp.status, await resp.json()


async def test_upload_png_is_served_with_safe_headers(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    data = png(3, 2)
    # When alice uploads a PNG that claims to be an HTML page
    status, body = await upload(http, node, alice, data, description="a grey square", focus="0.5,-0.25",
                                filename="x.html", content_type="text/html")
    # Then the node decided its type from its bytes, and read its size
    assert status == 200, body
    assert_matches("/api/v2/media", "post", 200, body)
    assert body["type"] == "image" and body["description"] == "a grey square"
    assert body["meta"]["original"] == {"width": 3, "height": 2, "size": "3x2", "aspect": 1.5}
    assert body["meta"]["focus"] == {"x": 0.5, "y": -0.25}
    assert body["url"].startswith(node.url("/system/media/")) and body["url"].endswith(".png")
    assert "x.html" not in body["url"] and body["remote_url"] is None
    assert body["preview_url"].startswith(node.url("/system/media/")) and body["blurhash"]
    # And the file is served as what it is (decoded and encoded again), never sniffed, never run
    async with http.get(body["url"]) as resp:
        assert resp.status == 200
        served = Image.open(io.BytesIO(await resp.read()))
        assert served.format == "PNG" and served.size == (3, 2)
        assert resp.headers["Content-Type"] == "image/png"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Content-Security-Policy"].startswith("default-src 'none'")
    # And only alice may read it through the API
    async with http.get(node.url(f"/api/v1/media/{body['id']}"), headers=alice.headers) as resp:
        assert resp.status == 200 and (await resp.json())["id"] == body["id"]
    bob = await node.account("bob")
    async with http.get(node.url(f"/api/v1/media/{body['id']}"), headers=bob.headers) as resp:
        assert resp.status == 404
    async with http.get(node.url("/system/media/../../config.toml")) as resp:
        assert resp.status == 404


@pytest.mark.parametrize(("data", "content_type", "size"), [
    (jpeg(5, 4), "image/jpeg", (5, 4)), (gif(7, 6), "image/gif", (7, 6))])
async def test_jpeg_and_gif_on_the_v1_path(node: Node, http: aiohttp.ClientSession, data: bytes,
                                           content_type: str, size: tuple[int, int]) -> None:
    alice = await node.account("alice")
    status, body = await upload(http, node, alice, data, path="/api/v1/media", content_type="image/png")
    assert status == 200, body
    assert_matches("/api/v1/media", "post", 200, body)
    assert (body["meta"]["original"]["width"], body["meta"]["original"]["height"]) == size
    async with http.get(body["url"]) as resp:
        assert resp.headers["Content-Type"] == content_type


@pytest.mark.parametrize("data", [b"<html><script>alert(1)</script></html>", b"<svg xmlns='x'/>", b"",
                                  b"\x89PNG\r\n\x1a\n"])
async def test_other_files_are_refused(node: Node, http: aiohttp.ClientSession, data: bytes) -> None:
    alice = await node.account("alice")
    status, body = await upload(http, node, alice, data, content_type="image/png")
    assert status == 422 and body["error"]
    assert await node.app[DB].fetchval("SELECT count(*) FROM media_attachments") == 0


async def test_upload_needs_write_media_scope(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice", scopes="read")
    status, _body = await upload(http, node, alice, png())
    assert status == 403


@pytest.fixture
async def small(tmp_path: Path) -> AsyncIterator[Node]:
    node, runner = await start_node(tmp_path / "small", storage="media_max_bytes = 4096")
    yield node
    await runner.cleanup()


async def test_oversize_upload_is_413(small: Node, http: aiohttp.ClientSession) -> None:
    alice = await small.account("alice")
    big = png() + b"\x00" * 5000
    # A known length is refused; so is a chunked body that passes the cap while read
    status, body = await upload(http, small, alice, big)
    assert status == 413 and "too large" in body["error"]

    async def chunks() -> AsyncIterator[bytes]:
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n"
        for _ in range(5):
            yield b"\x00" * 1024
        yield b"\r\n--b--\r\n"
    headers = {**alice.headers, "Content-Type": "multipart/form-data; boundary=b"}
    async with http.post(small.url("/api/v2/media"), data=chunks(), headers=headers) as resp:
        assert resp.status == 413 and "too large" in (await resp.json())["error"]
    assert (await upload(http, small, alice, png()))[0] == 200


async def test_description_limit(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    status, body = await upload(http, node, alice, png(), description="x" * 1501)
    assert status == 422 and "1500" in body["error"]
    assert (await upload(http, node, alice, png(), description="x" * 1500))[0] == 200


async def test_attach_to_a_status_and_its_shape(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    first = (await upload(http, node, alice, png(), description="one"))[1]
    second = (await upload(http, node, alice, jpeg()))[1]
    # When alice posts with both, in her order
    status, body = await post(http, node, alice, status="two pictures", media_ids=[second["id"], first["id"]])
    assert status == 200, body
    assert_matches("/api/v1/statuses", "post", 200, body)
    assert [m["id"] for m in body["media_attachments"]] == [second["id"], first["id"]]
    assert body["media_attachments"][1]["description"] == "one"
    # Then the media are attached: not editable through /media, not attachable again
    async with http.put(node.url(f"/api/v1/media/{first['id']}"), json={"description": "x"},
                        headers=alice.headers) as resp:
        assert resp.status == 404
    status, again = await post(http, node, alice, status="again", media_ids=[first["id"]])
    assert status == 422 and again["error"] == f"Media {first['id']} not found or already attached to another post"
    # And the status shows them to anyone
    async with http.get(node.url(f"/api/v1/statuses/{body['id']}")) as resp:
        shown = await resp.json()
    assert_matches("/api/v1/statuses/{id}", "get", 200, shown)
    assert len(shown["media_attachments"]) == 2


async def test_media_rules_on_posting(node: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await node.account("alice"), await node.account("bob")
    mine = [(await upload(http, node, alice, png()))[1]["id"] for _ in range(5)]
    bobs = (await upload(http, node, bob, png()))[1]["id"]
    # Someone else's media
    status, body = await post(http, node, alice, status="x", media_ids=[bobs])
    assert status == 422 and body["error"] == f"Media {bobs} not found or already attached to another post"
    # More than four
    status, body = await post(http, node, alice, status="x", media_ids=mine)
    assert status == 422 and body["error"] == "Cannot attach more than 4 files"
    # With a poll
    status, body = await post(http, node, alice, status="x", media_ids=mine[:1],
                              poll={"options": ["a", "b"], "expires_in": 600})
    assert status == 422 and body["error"] == "Cannot attach more than 4 files"
    # Text may be empty only with media
    status, body = await post(http, node, alice, status="")
    assert status == 422
    status, body = await post(http, node, alice, status="", media_ids=mine[:4])
    assert status == 200 and body["content"] == "" and len(body["media_attachments"]) == 4
    assert await node.app[DB].fetchval("SELECT count(*) FROM media_attachments WHERE status_id IS NULL") == 2


async def test_update_before_posting(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    media_id = (await upload(http, node, alice, png()))[1]["id"]
    async with http.put(node.url(f"/api/v1/media/{media_id}"), json={"description": "later", "focus": "0,1"},
                        headers=alice.headers) as resp:
        body = await resp.json()
        assert resp.status == 200
    assert_matches("/api/v1/media/{id}", "put", 200, body)
    assert body["description"] == "later" and body["meta"]["focus"] == {"x": 0.0, "y": 1.0}


async def test_edit_with_media_ids_and_attributes(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    one = (await upload(http, node, alice, png(), description="first"))[1]["id"]
    two = (await upload(http, node, alice, gif()))[1]["id"]
    status_id = (await post(http, node, alice, status="pics", media_ids=[one]))[1]["id"]
    # When alice edits: adds a second, describes the first anew
    edit = {"status": "pics", "media_ids": [one, two],
            "media_attributes": [{"id": one, "description": "first, described again"}]}
    async with http.put(node.url(f"/api/v1/statuses/{status_id}"), json=edit, headers=alice.headers) as resp:
        body = await resp.json()
        assert resp.status == 200, body
    assert [(m["id"], m["description"]) for m in body["media_attachments"]] == [
        (one, "first, described again"), (two, None)]
    assert body["edited_at"] is not None
    # And an edit without media_ids leaves none (Mastodon); the media are free again
    async with http.put(node.url(f"/api/v1/statuses/{status_id}"), json={"status": "no pics"},
                        headers=alice.headers) as resp:
        assert (await resp.json())["media_attachments"] == []
    assert (await post(http, node, alice, status="reuse", media_ids=[one, two]))[0] == 200


async def test_delete_detaches_or_deletes(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    media = (await upload(http, node, alice, png()))[1]
    status_id = (await post(http, node, alice, status="redraft me", media_ids=[media["id"]]))[1]["id"]
    # Deleting returns the media for a redraft and keeps them free for it
    async with http.delete(node.url(f"/api/v1/statuses/{status_id}"), headers=alice.headers) as resp:
        assert [m["id"] for m in (await resp.json())["media_attachments"]] == [media["id"]]
    status, redraft = await post(http, node, alice, status="redrafted", media_ids=[media["id"]])
    assert status == 200
    # With delete_media=true the rows and the file go
    async with http.delete(node.url(f"/api/v1/statuses/{redraft['id']}?delete_media=true"),
                           headers=alice.headers) as resp:
        assert resp.status == 200
    async with http.get(media["url"]) as resp:
        assert resp.status == 404
    async with http.get(node.url(f"/api/v1/media/{media['id']}"), headers=alice.headers) as resp:
        assert resp.status == 404
    assert not any(node.config.storage.media_dir.iterdir())


async def test_delete_unattached_media(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    media = (await upload(http, node, alice, png()))[1]
    async with http.delete(node.url(f"/api/v1/media/{media['id']}"), headers=alice.headers) as resp:
        assert resp.status == 200
    async with http.get(media["url"]) as resp:
        assert resp.status == 404


async def test_instance_says_what_is_supported(node: Node, http: aiohttp.ClientSession) -> None:
    async with http.get(node.url("/api/v2/instance")) as resp:
        config = (await resp.json())["configuration"]["media_attachments"]
    assert "image/png" in config["supported_mime_types"] and "text/html" not in config["supported_mime_types"]
    assert config["image_size_limit"] == node.config.storage.media_max_bytes
    assert config["description_limit"] == 1500


# ---- screening of descriptions ---------------------------------------------------------

async def test_reject_term_in_a_description_is_422(snode: Node, http: aiohttp.ClientSession) -> None:
    alice = await snode.account("alice")
    status, body = await upload(http, snode, alice, png(), description="欢迎来到博彩网站")
    assert status == 422 and body["category"] == "gambling" and "gambling" in body["error"]
    assert await snode.app[DB].fetchval("SELECT count(*) FROM media_attachments") == 0
    media_id = (await upload(http, snode, alice, png(), description="a cat"))[1]["id"]
    async with http.put(snode.url(f"/api/v1/media/{media_id}"), json={"description": "online casino"},
                        headers=alice.headers) as resp:
        assert resp.status == 422 and (await resp.json())["category"] == "gambling"


async def test_review_term_in_a_description_holds_the_status(snode: Node, http: aiohttp.ClientSession) -> None:
    alice, bob = await snode.account("alice"), await snode.account("bob")
    mod = await snode.account("mod", role="moderator")
    media_id = (await upload(http, snode, alice, png(), description="专业代开发票"))[1]["id"]
    # When alice posts an innocent text with it
    status, body = await post(http, snode, alice, status="今天天气很好", media_ids=[media_id])
    assert status == 200
    # Then the whole status is held: bob does not see it, moderators see why
    async with http.get(snode.url(f"/api/v1/statuses/{body['id']}"), headers=bob.headers) as resp:
        assert resp.status == 404
    async with http.get(snode.url("/api/v1/admin/screening/queue"), headers=mod.headers) as resp:
        queue = await resp.json()
    assert queue[0]["status_id"] == body["id"]
    assert queue[0]["decision"]["hits"][0]["category"] == "invoices"
    # and the rule's hit counts once, though the description was screened
    # at upload and again with the status
    assert await snode.app[DB].fetchval(
        "SELECT sum(hits) FROM screening_hits WHERE category = 'invoices'") == 1


async def test_sensitive_term_in_a_description_marks_the_status(snode: Node, http: aiohttp.ClientSession) -> None:
    alice = await snode.account("alice")
    media_id = (await upload(http, snode, alice, png(), description="buy followers here"))[1]["id"]
    status, body = await post(http, snode, alice, status="", media_ids=[media_id])
    assert status == 200 and body["sensitive"] is True


async def test_uploads_nobody_posted_are_removed_a_day_later(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    posted = (await upload(http, node, alice, png()))[1]
    abandoned = (await upload(http, node, alice, png()))[1]
    assert (await post(http, node, alice, status="with a picture", media_ids=[posted["id"]]))[0] == 200
    # When the cleanup runs a day and a minute later
    later = clock.now() + dt.timedelta(days=1, minutes=1)
    assert await sweep_unattached(node.app, later) == 1
    # Then the upload nobody posted is gone, row and file; the posted one stays
    async with http.get(abandoned["url"]) as resp:
        assert resp.status == 404
    async with http.get(node.url(f"/api/v1/media/{abandoned['id']}"), headers=alice.headers) as resp:
        assert resp.status == 404
    async with http.get(posted["url"]) as resp:
        assert resp.status == 200
    # And a fresh upload is kept by a cleanup that runs now
    fresh = (await upload(http, node, alice, png()))[1]
    assert await sweep_unattached(node.app) == 0
    async with http.get(fresh["url"]) as resp:
        assert resp.status == 200


async def test_edit_history_shows_each_versions_poll_and_media(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    cat = (await upload(http, node, alice, png(), description="a cat"))[1]
    status, first = await post(http, node, alice, status="look", media_ids=[cat["id"]])
    assert status == 200
    # When alice edits the description, then swaps the picture for a poll
    edit = {"status": "look again", "media_ids": [cat["id"]],
            "media_attributes": [{"id": cat["id"], "description": "a sleeping cat"}]}
    async with http.put(node.url(f"/api/v1/statuses/{first['id']}"), json=edit, headers=alice.headers) as resp:
        assert resp.status == 200, await resp.text()
    edit = {"status": "which?", "poll": {"options": ["cats", "dogs"], "expires_in": 3600}}
    async with http.put(node.url(f"/api/v1/statuses/{first['id']}"), json=edit, headers=alice.headers) as resp:
        assert resp.status == 200, await resp.text()
    # Then the history shows every version as it was, media and poll included
    async with http.get(node.url(f"/api/v1/statuses/{first['id']}/history"), headers=alice.headers) as resp:
        history = await resp.json()
    assert_matches("/api/v1/statuses/{id}/history", "get", 200, history)
    assert [[m["description"] for m in v["media_attachments"]] for v in history] == [
        ["a cat"], ["a sleeping cat"], []]
    assert [v["poll"] and [o["title"] for o in v["poll"]["options"]] for v in history] == [
        None, None, ["cats", "dogs"]]


async def test_only_media_timelines_show_statuses_with_attachments(node: Node, http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    picture = (await upload(http, node, alice, png(), description="the view"))[1]
    with_media = (await post(http, node, alice, status="#view from here", media_ids=[picture["id"]]))[1]
    await post(http, node, alice, status="#view words only")
    for path in ("/api/v1/timelines/public?only_media=true", "/api/v1/timelines/tag/view?only_media=true",
                 f"/api/v1/accounts/{alice.account.id}/statuses?only_media=true"):
        async with http.get(node.url(path), headers=alice.headers) as resp:
            assert resp.status == 200
            assert [s["id"] for s in await resp.json()] == [with_media["id"]], path
    async with http.get(node.url("/api/v1/timelines/public"), headers=alice.headers) as resp:
        assert len(await resp.json()) == 2  # without the flag, both
