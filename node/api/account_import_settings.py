"""`/settings/import`: a person uploads one of Mastodon's CSVs (follows,
blocks, mutes, lists or bookmarks), to merge with what they have or to
replace it; `node.account_jobs` applies it in the background
(`node.account_import`) and this page shows the counts, skipped rows
included. Bounded: 2 MB and 20,000 lines a file.
"""

from __future__ import annotations

from aiohttp import web

from node import account_jobs, html, routing, sessions
from node.account_csv import CsvError, parse_csv
from node.audit_log import audit
from node.i18n import N_, _
from node.keys import CONFIG, DB, IDS
from node.media_files import read_multipart
from storage import account_imports
from storage.account_imports import KINDS, MODES
from storage.accounts import AccountRow

PATH = "/settings/import"
MAX_BYTES = 2 * 1_048_576
MAX_LINES = 20_000
KIND_NAMES = {"following": N_("Follows"), "blocking": N_("Blocks"), "muting": N_("Mutes"),
              "lists": N_("Lists"), "bookmarks": N_("Bookmarks")}
STATES = {"queued": N_("Waiting"), "running": N_("Being imported"), "finished": N_("Finished"),
          "failed": N_("Failed")}


class UploadError(Exception):
    """An upload refused, with the words to show and the status."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


async def _page(request: web.Request, account: AccountRow, *, error: str = "",
                status: int = 200) -> web.StreamResponse:
    rows = await account_imports.imports_of(request.app[DB], account.id)
    body = html.render("account_import.html", username=account.username, error=error, imports=rows,
                       kinds=KINDS, kind_names={k: _(v) for k, v in KIND_NAMES.items()},
                       states={k: _(v) for k, v in STATES.items()}, csrf=await sessions.csrf_token(request))
    return sessions.finish(request, html.page(request.app[CONFIG], _("Import data"), body, status=status))


async def import_page(request: web.Request) -> web.StreamResponse:
    """GET /settings/import"""
    return await _page(request, await sessions.signed_in(request, PATH))


async def _read_form(request: web.Request) -> tuple[dict[str, str], bytes]:
    try:
        sent = await read_multipart(request, MAX_BYTES, frozenset({"file"}))
    except web.HTTPException as exc:  # too large, not multipart, or a malformed body: said on the page
        if exc.status == 413:
            raise UploadError(_("The file is larger than 2 MB."), 413) from None
        raise UploadError(_("Choose a CSV file to upload."), 400) from None
    return {k: v[-1] for k, v in sent.fields.items()}, sent.files.get("file", b"")


def _checked(fields: dict[str, str], data: bytes) -> tuple[str, str, str, int]:
    """(kind, mode, text, rows) of an upload that may be queued."""
    kind, mode = fields.get("type", ""), fields.get("mode", "merge")
    if kind not in KINDS or mode not in MODES:
        raise UploadError(_("Choose what the file holds and how to import it."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(_("The file is not UTF-8 text.")) from None
    if len(text.splitlines()) > MAX_LINES:
        raise UploadError(_("The file has more than 20,000 lines."))
    try:
        if "\x00" in text:  # no CSV holds one, and PostgreSQL's text cannot store it
            raise CsvError("NUL character")
        rows = len(parse_csv(kind, text))
    except CsvError:
        raise UploadError(_("The file is not a CSV file.")) from None
    if rows == 0:
        raise UploadError(_("The file has no rows to import."))
    return kind, mode, text, rows


async def upload(request: web.Request) -> web.StreamResponse:
    """POST /settings/import (multipart: csrf_token, type, mode, file)"""
    account = await sessions.signed_in(request, PATH)
    try:
        fields, data = await _read_form(request)
        await sessions.check_csrf(request, fields)
        kind, mode, text, rows = _checked(fields, data)
    except UploadError as exc:
        return await _page(request, account, error=str(exc), status=exc.status)
    await account_imports.queue_import(request.app[DB], request.app[IDS].next_id(), account.id, kind, mode,
                                       text, rows)
    await audit(request.app, account, "account.import_requested", ("account", account.id),
                {"type": kind, "mode": mode, "rows": rows})
    account_jobs.wake(request.app)
    return sessions.finish(request, web.Response(status=303, headers={"Location": PATH}))


def routes() -> list[web.RouteDef]:
    return [routing.get(PATH, import_page), routing.post(PATH, upload)]
