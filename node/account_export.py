"""One account's archive: a zip a person (or an admin answering their
request) can keep, written as it is read, never held whole in memory.

Inside: `outbox.json` (an OrderedCollection of the account's Create
activities, as peers receive them, written one item at a time; media
attachments point at `media/<file>` inside the zip), the media files,
`actor.json`, `likes.json` and `bookmarks.json` (collections of status
URIs), and Mastodon's five CSVs (`node.account_csv`). Nothing comes from
`users` or the identity vault: the legal identity is never in an archive.
"""

from __future__ import annotations

import asyncio
import json
import zipfile
from pathlib import Path
from typing import IO, Any

from federation import objects, vocab
from federation.media import MEDIA_PATH
from federation.urls import Urls
from node import account_csv
from node.config import Config
from storage import account_data
from storage.accounts import AccountRow
from storage.database import Database

MEDIA_FOLDER = "media/"


async def csv_files(db: Database, account_id: int, domain: str) -> dict[str, str]:
    """Mastodon's five CSVs of the account, by file name."""
    return {
        "following_accounts.csv": account_csv.following_csv(await account_data.following(db, account_id), domain),
        "blocked_accounts.csv": account_csv.blocked_csv(await account_data.blocked(db, account_id), domain),
        "muted_accounts.csv": account_csv.muted_csv(await account_data.muted(db, account_id), domain),
        "lists.csv": account_csv.lists_csv(await account_data.listed(db, account_id), domain),
        "bookmarks.csv": account_csv.bookmarks_csv(await account_data.bookmarked_uris(db, account_id)),
    }


def _uri_collection(name: str, uris: list[str]) -> dict[str, Any]:
    return {"@context": vocab.AS_CONTEXT, "id": name, "type": "OrderedCollection",
            "totalItems": len(uris), "orderedItems": uris}


def _local_media(activity: dict[str, Any], media_prefix: str) -> list[str]:
    """Points the Note's local attachments at the archive's copies; their file names."""
    names = []
    note = activity.get("object")
    for item in note.get("attachment", []) if isinstance(note, dict) else []:
        url = item.get("url")
        if isinstance(url, str) and url.startswith(media_prefix):
            name = Path(url[len(media_prefix):]).name  # our own random name; never a path
            item["url"] = MEDIA_FOLDER + name
            names.append(name)
    return names


async def _write_outbox(db: Database, urls: Urls, account: AccountRow, out: IO[bytes]) -> list[str]:
    """outbox.json, item by item; the local media files its items name."""
    head = {"@context": vocab.CONTEXT, "id": "outbox.json", "type": "OrderedCollection"}
    out.write(json.dumps(head, ensure_ascii=False)[:-1].encode() + b', "orderedItems": [')
    media_prefix, files, count = urls.base_url + MEDIA_PATH, [], 0
    async for status in account_data.own_statuses(db, account.id):
        activity = await objects.activity_for_status(db, urls, status, account)
        files += _local_media(activity, media_prefix)
        out.write((b", " if count else b"") + json.dumps(activity, ensure_ascii=False).encode())
        count += 1
    out.write(f'], "totalItems": {count}}}'.encode())
    return files


def _put(zf: zipfile.ZipFile, name: str, document: Any) -> None:
    text = document if isinstance(document, str) else json.dumps(document, ensure_ascii=False, indent=1)
    zf.writestr(name, text.encode())


async def write_archive(db: Database, config: Config, account: AccountRow, path: Path) -> int:
    """The account's archive at `path` (made or replaced); its size in bytes."""
    urls = Urls.of(config.node.base_url)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
        with zf.open("outbox.json", "w", force_zip64=True) as out:  # its size is unknown until written
            files = await _write_outbox(db, urls, account, out)
        for name in dict.fromkeys(files):
            source = config.storage.media_dir / name
            if source.is_file():  # a file lost from disk leaves its row's link dangling, not the export failed
                await asyncio.to_thread(zf.write, source, MEDIA_FOLDER + name)
        _put(zf, "actor.json", vocab.actor_document(urls, account))
        _put(zf, "likes.json", _uri_collection("likes.json", await account_data.liked_uris(db, account.id)))
        _put(zf, "bookmarks.json",
             _uri_collection("bookmarks.json", await account_data.bookmarked_uris(db, account.id)))
        for name, text in (await csv_files(db, account.id, config.node.domain)).items():
            _put(zf, name, text)
    return path.stat().st_size
