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


@dataclass(frozen=True, slots=True)
class Multipart:
    files: dict[str, bytes]  # the first part of each wanted file field
    fields: dict[str, list[str]]  # text parts (and query values), as `node.params.Params` takes them


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
    """`file` and the text fields of a multipart upload (query values too)."""
    if request.content_type != "multipart/form-data":
        raise unprocessable("Validation failed: File can't be blank")
    sent = await read_multipart(request, limit, frozenset({"file"}))
    return Upload(sent.files.get("file"), {k: v[-1] for k, v in sent.fields.items()})


async def read_multipart(request: web.Request, limit: int, wanted: frozenset[str]) -> Multipart:
    """The `wanted` file parts and the text parts of a multipart body.

    The app-wide body cap (`[http] max_body_bytes`) does not apply to a
    streamed multipart body, so this one is enforced here, before reading
    (Content-Length) and while reading (a chunked or lying body): each file
    part at most `limit`, the whole at most a part per wanted file."""
    budget = limit * max(len(wanted), 1) + TEXT_PART_LIMIT * 4
    if request.content_length is not None and request.content_length > budget:
        raise too_large(limit)
    fields: dict[str, list[str]] = {}
    for key, value in request.query.items():
        fields.setdefault(key, []).append(value)
    if request.content_type != "multipart/form-data":
        raise unprocessable("Validation failed: File can't be blank")
    files: dict[str, bytes] = {}
    try:
        reader = await request.multipart()
    except ValueError:  # no boundary in the Content-Type
        raise bad_request("Malformed multipart body: no boundary") from None
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name in wanted and part.name not in files:
                files[part.name] = await _read_part(part, limit, too_large(limit))
            elif part.name and part.filename is None:
                raw = await _read_part(part, TEXT_PART_LIMIT,
                                       unprocessable(f"Validation failed: {part.name} is too long"))
                fields.setdefault(part.name, []).append(raw.decode("utf-8", "replace"))
            else:
                await _read_part(part, limit, too_large(limit))  # read past what is not wanted
    except (ValueError, AssertionError) as exc:  # a malformed body or part header
        raise bad_request(f"Malformed multipart body: {exc}"[:200]) from None
    return Multipart(files, fields)


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
