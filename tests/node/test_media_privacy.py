"""Nothing about a person in a photo (issue #14).

On main an uploaded JPEG was served byte for byte, GPS coordinates and
camera make included. Now every image is decoded and encoded again: no
EXIF, XMP or IPTC, the orientation applied to the pixels, and a preview
and a blurhash made on the way.
"""

from __future__ import annotations

import io
import struct

import aiohttp
from PIL import Image

from tests.conftest import Node
from tests.node.test_media import upload

CAMERA = "CanaryCam Model-7"
XMP_MARK = "canary-xmp-creator"
IPTC_MARK = "canary-iptc-byline"


def revealing_jpeg(width: int = 1200, height: int = 800) -> bytes:
    """A photo as a phone writes it: EXIF (make, model, GPS, orientation 6:
    turn 90 degrees clockwise to view), XMP and an IPTC (APP13) segment."""
    image = Image.new("RGB", (width, height), (30, 120, 200))
    for x in range(width // 2):  # a red left half, to see which way it was turned
        for y in range(0, height, 50):
            image.putpixel((x, y), (250, 10, 10))
    image.paste((250, 10, 10), (0, 0, width // 2, height))
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x0110] = CAMERA  # Model
    exif[0x0112] = 6  # Orientation
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}  # GPS IFD
    out = io.BytesIO()
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{XMP_MARK}</dc:creator></x:xmpmeta>'.encode()
    image.save(out, "JPEG", exif=exif.tobytes(), xmp=xmp)
    data = out.getvalue()
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00" + struct.pack(">I", len(IPTC_MARK) + 5) \
        + b"\x1c\x02\x50" + struct.pack(">H", len(IPTC_MARK)) + IPTC_MARK.encode()
    app13 = b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc
    return data[:2] + app13 + data[2:]


def no_metadata(data: bytes) -> None:
    for mark in (CAMERA, XMP_MARK, IPTC_MARK, "Photoshop 3.0"):
        assert mark.encode() not in data, mark
    image = Image.open(io.BytesIO(data))
    assert not image.getexif(), dict(image.getexif())
    assert "xmp" not in image.info and "exif" not in image.info


async def test_exif_gps_xmp_and_iptc_are_stripped_orientation_kept(node: Node,
                                                                   http: aiohttp.ClientSession) -> None:
    alice = await node.account("alice")
    sent = revealing_jpeg()
    assert CAMERA.encode() in sent and IPTC_MARK.encode() in sent and XMP_MARK.encode() in sent
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    # When alice uploads a photo straight from her phone
    status, body = await upload(http, node, alice, sent, filename="IMG_0001.jpg", content_type="image/jpeg")
    assert status == 200, body
    # Then what is served has no EXIF, GPS, camera, XMP or IPTC
    async with http.get(body["url"]) as resp:
        original = await resp.read()
        assert resp.headers["Content-Type"] == "image/jpeg"
    no_metadata(original)
    # And it stands the way it was taken: turned by the orientation, the red half now on top
    shown = Image.open(io.BytesIO(original)).convert("RGB")
    assert shown.size == (800, 1200)
    assert body["meta"]["original"]["width"] == 800 and body["meta"]["original"]["height"] == 1200
    red, green, blue = shown.getpixel((400, 100))
    assert red > 200 and blue < 60
    # And a small preview and a blurhash were made, as Mastodon's
    assert body["preview_url"] != body["url"] and isinstance(body["blurhash"], str) and len(body["blurhash"]) > 20
    small = body["meta"]["small"]
    assert small["width"] * small["height"] <= 230_400 and small["height"] > small["width"]
    async with http.get(body["preview_url"]) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"] == "image/jpeg"
        preview = await resp.read()
    no_metadata(preview)
    assert Image.open(io.BytesIO(preview)).size == (small["width"], small["height"])


async def test_png_text_chunks_and_animated_gif(node: Node, http: aiohttp.ClientSession) -> None:
    from PIL import PngImagePlugin

    alice = await node.account("alice")
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", CAMERA)
    exif = Image.Exif()
    exif[0x010F] = CAMERA
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 200, 0, 128)).save(out, "PNG", pnginfo=info, exif=exif.tobytes())
    status, body = await upload(http, node, alice, out.getvalue())
    assert status == 200, body
    async with http.get(body["url"]) as resp:
        data = await resp.read()
    no_metadata(data)
    assert Image.open(io.BytesIO(data)).mode == "RGBA"  # transparency kept
    # An animated GIF keeps its frames, loses its comment
    frames = [Image.new("RGB", (16, 16), (i * 100, 50, 200 - i * 60)) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0,
                   comment=CAMERA.encode())
    assert Image.open(io.BytesIO(out.getvalue())).n_frames == 3 and CAMERA.encode() in out.getvalue()
    status, body = await upload(http, node, alice, out.getvalue(), content_type="image/gif")
    assert status == 200, body
    async with http.get(body["url"]) as resp:
        data = await resp.read()
    assert CAMERA.encode() not in data
    assert Image.open(io.BytesIO(data)).n_frames == 3
