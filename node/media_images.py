"""Uploaded images, decoded and written again: nothing about a person in a photo.

Every uploaded image (attachment, avatar, header) is decoded with Pillow
and encoded anew, so what a camera or phone wrote beside the pixels (EXIF
with GPS coordinates, camera make and serial number, XMP, IPTC, comments)
is not in what the node stores or serves. The EXIF orientation is applied
to the pixels first, so a photo keeps the way it was taken. The ICC
colour profile is kept: it describes colours, not people.

While the image is decoded, as Mastodon does: a small preview
(`preview_url`, at most `PREVIEW_PIXELS`) and a blurhash of it
(`blurhash`, 4x4 components, from a 32-pixel thumbnail) that clients
show while the image loads. Avatars are cropped to 400x400 and headers to
1500x500 (Mastodon's sizes). Sizes were checked from the header before
decoding (`node.media_sniff`), so no decompression bomb reaches Pillow.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import blurhash
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

PREVIEW_PIXELS = 230_400  # Mastodon's small style: 480x480 worth of pixels
BLURHASH_SIDE = 32
AVATAR_SIZE = (400, 400)
HEADER_SIZE = (1500, 500)
FORMATS = {"image/png": ("PNG", "png"), "image/jpeg": ("JPEG", "jpg"), "image/gif": ("GIF", "gif"),
           "image/webp": ("WEBP", "webp")}


class ImageError(Exception):
    """The bytes claimed to be an image that Pillow could not decode."""


@dataclass(frozen=True, slots=True)
class Encoded:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    original: Encoded  # the upload, decoded and encoded without its metadata
    preview: Encoded
    blurhash: str


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(f"the image could not be decoded: {exc}") from None
    return image


def _upright(image: Image.Image) -> Image.Image:
    """The pixels turned as the EXIF orientation says, with no metadata left."""
    turned = ImageOps.exif_transpose(image) or image
    clean = turned.copy()
    icc = image.info.get("icc_profile")
    clean.info = {"icc_profile": icc} if icc else {}
    return clean


def _encode(image: Image.Image, content_type: str, **options: object) -> Encoded:
    fmt, extension = FORMATS[content_type]
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    out = io.BytesIO()
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc and fmt != "GIF" else {}
    if fmt == "JPEG":
        extra["quality"] = 90
    image.save(out, fmt, **extra, **options)  # type: ignore[arg-type]
    return Encoded(out.getvalue(), content_type, extension, image.width, image.height)


def _animated(image: Image.Image, content_type: str) -> Encoded:
    """An animated GIF or WebP: every frame again, timing kept, nothing else."""
    frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
    durations = [int(frame.info.get("duration", 100)) for frame in ImageSequence.Iterator(image)]
    for frame in frames:
        frame.info = {}
    first = frames[0]
    return _encode(first, content_type, save_all=True, append_images=frames[1:], duration=durations,
                   loop=int(image.info.get("loop", 0)))


def _preview(image: Image.Image) -> Encoded:
    still = image.convert("RGBA" if _has_alpha(image) else "RGB")
    if still.width * still.height > PREVIEW_PIXELS:
        scale = math.sqrt(PREVIEW_PIXELS / (still.width * still.height))
        still = still.resize((max(1, int(still.width * scale)), max(1, int(still.height * scale))),
                             Image.Resampling.LANCZOS)
    return _encode(still, "image/png" if still.mode == "RGBA" else "image/jpeg")


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def blurhash_of(image: Image.Image) -> str:
    small = image.convert("RGB")
    small.thumbnail((BLURHASH_SIDE, BLURHASH_SIDE))
    raw, width = small.tobytes(), small.width
    rows = [[list(raw[(y * width + x) * 3:(y * width + x) * 3 + 3]) for x in range(width)]
            for y in range(small.height)]
    return str(blurhash.encode(rows, components_x=4, components_y=4))


def process_image(data: bytes, content_type: str) -> ProcessedImage:
    """An attachment: stripped original, preview and blurhash. ImageError if undecodable."""
    image = _open(data)
    if getattr(image, "n_frames", 1) > 1 and content_type in ("image/gif", "image/webp"):
        original = _animated(image, content_type)
        image.seek(0)
        still = _upright(image)
    else:
        still = _upright(image)
        original = _encode(still, content_type)
    return ProcessedImage(original, _preview(still), blurhash_of(still))


def profile_image(data: bytes, content_type: str, size: tuple[int, int]) -> Encoded:
    """An avatar or header: cropped to `size` around the centre (smaller
    images are only cropped to the aspect ratio), stripped, one frame."""
    still = _upright(_open(data))
    width, height = size
    if still.width < width or still.height < height:
        scale = min(still.width / width, still.height / height)
        width, height = max(1, int(width * scale)), max(1, int(height * scale))
    fitted = ImageOps.fit(still, (width, height), Image.Resampling.LANCZOS)
    fitted.info = {"icc_profile": still.info["icc_profile"]} if still.info.get("icc_profile") else {}
    if content_type == "image/gif":  # one frame: a PNG keeps its palette and transparency
        content_type = "image/png"
    return _encode(fitted, content_type)
