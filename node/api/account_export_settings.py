"""`/settings/export`: a person asks for an archive of their account
(built in the background by `node.account_jobs`, one a day, kept 7 days)
and downloads it, or one of Mastodon's CSVs at once.

Every page and file here needs the node's own browser session. An
archive's URL carries an unguessable secret and is still only served to
its owner's session: anyone else, signed in or not as another account,
gets a 404 (or the sign-in page when not signed in at all).
"""

from __future__ import annotations

import datetime as dt
import secrets

from aiohttp import web

from node import account_jobs, html, routing, sessions
from node.account_export import csv_files
from node.audit_log import audit
from node.i18n import N_, _
from node.keys import CONFIG, DB, IDS
from storage import account_exports
from storage.accounts import AccountRow
from storage.clock import iso, now, parse

PATH = "/settings/export"
ONE_PER = dt.timedelta(days=1)
KEPT_FOR = dt.timedelta(days=7)
STATES = {"queued": N_("Waiting"), "building": N_("Being built"), "ready": N_("Ready"), "failed": N_("Failed")}
CSV_NAMES = {"follows": "following_accounts.csv", "blocks": "blocked_accounts.csv",
             "mutes": "muted_accounts.csv", "lists": "lists.csv", "bookmarks": "bookmarks.csv"}


async def _page(request: web.Request, account: AccountRow, *, error: str = "",
                status: int = 200) -> web.StreamResponse:
    rows = await account_exports.exports_of(request.app[DB], account.id)
    body = html.render("account_export.html", username=account.username, error=error, archives=rows,
                       states={k: _(v) for k, v in STATES.items()}, csrf=await sessions.csrf_token(request))
    return sessions.finish(request, html.page(request.app[CONFIG], _("Export your data"), body, status=status))


async def export_page(request: web.Request) -> web.StreamResponse:
    """GET /settings/export"""
    return await _page(request, await sessions.signed_in(request, PATH))


async def request_archive(request: web.Request) -> web.StreamResponse:
    """POST /settings/export: one archive a day."""
    account = await sessions.signed_in(request, PATH)
    await sessions.check_csrf(request, await request.post())
    moment = now()
    row = await account_exports.request_export(
        request.app[DB], request.app[IDS].next_id(), account.id, secrets.token_urlsafe(32),
        since=iso(moment - ONE_PER), expires_at=iso(moment + KEPT_FOR))
    if row is None:
        return await _page(request, account, status=429,
                           error=_("You asked for an archive in the last day; you can ask again tomorrow."))
    await audit(request.app, account, "account.export_requested", ("account", account.id))
    account_jobs.wake(request.app)
    return sessions.finish(request, web.Response(status=303, headers={"Location": PATH}))


def _not_found(request: web.Request) -> web.HTTPException:
    return sessions.error_page(request, 404, _("Not found"), _("There is no such archive."))


async def download_archive(request: web.Request) -> web.StreamResponse:
    """GET /settings/exports/archive/{secret}: the owner's ready archive, else 404."""
    account = await sessions.signed_in(request, PATH)
    row = await account_exports.find_export(request.app[DB], account.id, request.match_info["secret"])
    if row is None or row.state != "ready" or not row.file_name or parse(row.expires_at) < now():
        raise _not_found(request)
    path = account_jobs.exports_dir(request.app) / row.file_name
    if not path.is_file():
        raise _not_found(request)
    name = f"archive-{account.username}-{row.created_at[:10]}.zip"
    response = web.FileResponse(path, headers={"Content-Type": "application/zip",
                                               "Content-Disposition": f'attachment; filename="{name}"'})
    return sessions.finish(request, response)


def csv_download(name: str) -> routing.Handler:
    """The handler of GET /settings/exports/<kind>.csv: the signed-in account's file, at once."""

    async def download(request: web.Request) -> web.StreamResponse:
        account = await sessions.signed_in(request, PATH)
        files = await csv_files(request.app[DB], account.id, request.app[CONFIG].node.domain)
        response = web.Response(text=files[name], content_type="text/csv", charset="utf-8",
                                headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return sessions.finish(request, response)

    return download


def routes() -> list[web.RouteDef]:
    return [routing.get(PATH, export_page), routing.post(PATH, request_archive),
            routing.get("/settings/exports/archive/{secret}", download_archive),
            *(routing.get(f"/settings/exports/{slug}.csv", csv_download(name)) for slug, name in CSV_NAMES.items())]
