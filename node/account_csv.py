"""Mastodon's CSV files of an account, written and read.

The formats are those of Mastodon's exporter (app/models/export.rb) and
its importer: `following_accounts.csv` and `muted_accounts.csv` have a
header row (`Account address,Show boosts,Notify on new posts,Languages`;
`Account address,Hide notifications`), the other three none: one address
a line (`blocked_accounts.csv`), `list title,account address`
(`lists.csv`), one status URI a line (`bookmarks.csv`). Booleans are
`true`/`false` and languages are joined with ", ", as Ruby writes them.
Reading takes a file with or without the header, as Mastodon does.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from storage.account_data import FollowedRow, Handle, ListedRow, MutedRow

FOLLOWING_HEADER = ("Account address", "Show boosts", "Notify on new posts", "Languages")
MUTED_HEADER = ("Account address", "Hide notifications")
FILE_NAMES = {"following": "following_accounts.csv", "blocking": "blocked_accounts.csv",
              "muting": "muted_accounts.csv", "lists": "lists.csv", "bookmarks": "bookmarks.csv"}


def acct(handle: Handle, local_domain: str) -> str:
    """`user@domain`, a local account with the node's own domain (as Mastodon exports it)."""
    return f"{handle.username}@{handle.domain or local_domain}"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _write(rows: Iterable[Sequence[str]], header: Sequence[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _languages(stored: str | None) -> str:
    return ", ".join(str(x) for x in json.loads(stored)) if stored else ""


def following_csv(rows: Sequence[FollowedRow], domain: str) -> str:
    return _write(([acct(r.target, domain), _flag(r.show_reblogs), _flag(r.notify), _languages(r.languages)]
                   for r in rows), FOLLOWING_HEADER)


def blocked_csv(rows: Sequence[Handle], domain: str) -> str:
    return _write([acct(h, domain)] for h in rows)


def muted_csv(rows: Sequence[MutedRow], domain: str) -> str:
    return _write(([acct(r.target, domain), _flag(r.hide_notifications)] for r in rows), MUTED_HEADER)


def lists_csv(rows: Sequence[ListedRow], domain: str) -> str:
    return _write([r.title, acct(r.member, domain)] for r in rows)


def bookmarks_csv(uris: Sequence[str]) -> str:
    return _write([u] for u in uris)


# ---- reading ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ImportLine:
    """One row of an uploaded file: an address (or a status URI for
    bookmarks), a list title for lists, and the options it carries."""

    target: str
    list_title: str = ""
    show_reblogs: bool = True
    notify: bool = False
    languages: tuple[str, ...] = ()
    hide_notifications: bool = True


class CsvError(ValueError):
    """A file that is not CSV text at all."""


def _bool(cell: str, default: bool) -> bool:
    value = cell.strip().lower()
    return default if not value else value in ("true", "1", "yes")


def _line(kind: str, cells: list[str]) -> ImportLine | None:
    cells = [c.strip() for c in cells] + [""] * 4
    if not cells[0]:
        return None
    if kind == "lists":
        return ImportLine(target=cells[1], list_title=cells[0]) if cells[1] else None
    if kind == "following":
        langs = tuple(x.strip().lower()[:10] for x in cells[3].split(",") if x.strip())
        return ImportLine(cells[0], show_reblogs=_bool(cells[1], True), notify=_bool(cells[2], False),
                          languages=langs)
    if kind == "muting":
        return ImportLine(cells[0], hide_notifications=_bool(cells[1], True))
    return ImportLine(cells[0])


def parse_csv(kind: str, text: str) -> list[ImportLine]:
    """The file's rows for an import of `kind`, a header row (Mastodon's) left out."""
    try:
        rows = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        raise CsvError(str(exc)) from None
    if rows and rows[0] and rows[0][0].strip() == "Account address":
        rows = rows[1:]
    return [line for line in (_line(kind, r) for r in rows if r) if line is not None]
