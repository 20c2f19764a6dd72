"""What an uploaded file is, from its bytes alone.

The client's Content-Type and file name are never believed: a file is
served with the type its magic bytes prove, so an HTML or SVG page
uploaded as "image/png" cannot run in the node's origin. Image sizes are
read from the headers by hand (PNG IHDR, GIF screen descriptor, JPEG SOF,
WebP VP8/VP8L/VP8X), which is all the node needs: it stores the original
and makes no thumbnails, so a decoder (Pillow) would be a dependency for
nothing.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Sniffed:
    type: str  # Mastodon's attachment type: image, video
    content_type: str
    extension: str
    width: int | None = None
    height: int | None = None


# What `sniff` can recognise: the instance's supported_mime_types.
SUPPORTED_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "video/mp4", "video/webm")


def sniff(data: bytes) -> Sniffed | None:
    """The file's kind, or None when it is none of SUPPORTED_TYPES (or an
    image whose header does not parse)."""
    for check in (_png, _gif, _jpeg, _webp, _mp4, _webm):
        found = check(data)
        if found is not None:
            return found
    return None


def _png(data: bytes) -> Sniffed | None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR" or len(data) < 24:
        return None
    width, height = struct.unpack(">II", data[16:24])
    return _image("image/png", "png", width, height)


def _gif(data: bytes) -> Sniffed | None:
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return _image("image/gif", "gif", width, height)


_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg(data: bytes) -> Sniffed | None:
    """Walk the segments to the first start-of-frame, which holds the size."""
    if not data.startswith(b"\xff\xd8\xff"):
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return _image("image/jpeg", "jpg", width, height)
        if marker == 0xD9 or length < 2:
            return None
        at += 2 + length
    return None


def _webp(data: bytes) -> Sniffed | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP" or len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
    elif chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(data[26:28], "little") & 0x3FFF
        height = int.from_bytes(data[28:30], "little") & 0x3FFF
    else:
        return None
    return _image("image/webp", "webp", width, height)


def _image(content_type: str, extension: str, width: int, height: int) -> Sniffed | None:
    if width <= 0 or height <= 0:
        return None
    return Sniffed("image", content_type, extension, width, height)


# HEIF/AVIF stills share the box format; they are images the node cannot size.
_STILL_BRANDS = frozenset({b"heic", b"heix", b"mif1", b"msf1", b"avif", b"avis", b"hevc"})


def _mp4(data: bytes) -> Sniffed | None:
    """An ISO base media file: a `ftyp` box first (its size is not checked
    further: the node stores videos as they are, without a decoder)."""
    if data[4:8] != b"ftyp" or len(data) < 12 or data[8:12] in _STILL_BRANDS:
        return None
    return Sniffed("video", "video/mp4", "mp4")


def _webm(data: bytes) -> Sniffed | None:
    if not data.startswith(b"\x1a\x45\xdf\xa3") or b"webm" not in data[:64]:
        return None
    return Sniffed("video", "video/webm", "webm")
