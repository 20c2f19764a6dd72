"""Uploaded media on disk and on the wire: reading a multipart upload under
its own size cap, and writing, serving and removing the files.

Files live in `[storage] media_dir` under random names (the uploader's
file name never reaches the disk), written whole to a temporary name and
renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from aiohttp import BodyPartReader, web

from node.errors import bad_request, json_error, unprocessable

TEXT_PART_LIMIT = 16_384  # description, focus: far above 1,500 characters
FILE_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{2,5}$")


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes | None
    fields: dict[str, str]


def too_large(limit: int) -> web.HTTPException:
    return json_error(413, f"File is too large (maximum is {limit // 1_048_576} MB)"
                      if limit >= 1_048_576 else f"File is too large (maximum is {limit} bytes)")


async def _read_part(part: BodyPartReader, limit: int, error: web.HTTPException) -> bytes:
    """The part's bytes, refusing as soon as they pass `limit`."""
    chunks, size = [], 0
    while chunk := await part.read_chunk(65_536):
        size += len(chunk)
        if size > limit:
            raise error
        chunks.append(chunk)
    return b"".join(chunks)


async def read_upload(request: web.Request, limit: int) -> Upload:
    """`file` and the text fields of a multipart upload (query values too).

    The app-wide body cap (`[http] max_body_bytes`) does not apply to a
    streamed multipart body, so this one is enforced here, before reading
    (Content-Length) and while reading (a chunked or lying body)."""
    if request.content_length is not None and request.content_length > limit + TEXT_PART_LIMIT * 4:
        raise too_large(limit)
    fields = {k: v for k, v in request.query.items()}
    if request.content_type != "multipart/form-data":
        raise unprocessable("Validation failed: File can't be blank")
    data: bytes | None = None
    try:
        reader = await request.multipart()
    except ValueError:  # no boundary in the Content-Type
        raise bad_request("Malformed multipart body: no boundary") from None
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "file" and data is None:
            data = await _read_part(part, limit, too_large(limit))
        elif part.name and part.filename is None:
            raw = await _read_part(part, TEXT_PART_LIMIT, unprocessable(f"Validation failed: {part.name} is too long"))
            fields[part.name] = raw.decode("utf-8", "replace")
        else:
            await _read_part(part, limit, too_large(limit))  # read past what is not wanted
    return Upload(data, fields)


def new_file_name(extension: str) -> str:
    return f"{secrets.token_hex(16)}.{extension}"


def _write(directory: Path, name: str, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".{name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, directory / name)


async def write_file(directory: Path, name: str, data: bytes) -> None:
    await asyncio.to_thread(_write, directory, name, data)


def _remove(directory: Path, names: Sequence[str]) -> None:
    for name in names:
        if FILE_NAME.match(name):
            with contextlib.suppress(FileNotFoundError):
                (directory / name).unlink()


async def remove_files(directory: Path, names: Sequence[str | None]) -> None:
    """Delete files of rows already deleted (after their transaction)."""
    await asyncio.to_thread(_remove, directory, [n for n in names if n])
