"""`/settings/delete`: a signed-in person deletes their own account (issue #16).

The page says what goes and what is kept (the identity record, for
`[identity] retention_days`), and asks for the password; a wrong one is
refused (422) and counted against the sign-in limits (`node.login_limits`),
so the form is no way round them, and nothing is deleted. The right one
runs `node.account_deletion.delete_local_account` (audited as
`account.deleted` by "self"), signs the browser out and wakes the
deletion queue.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from node import html, login_limits, routing, sessions
from node.account_deletion import delete_local_account
from node.client_address import client_address
from node.deletion_setup import wake
from node.i18n import _
from node.keys import CONFIG, DB
from node.passwords import verify_password
from storage import accounts
from storage.accounts import AccountRow

PATH = "/settings/delete"


async def _page(request: web.Request, account: AccountRow, *, error: str = "",
                status: int = 200) -> web.StreamResponse:
    config = request.app[CONFIG]
    body = html.render("account_delete.html", username=account.username, error=error,
                       retention_days=config.identity.retention_days, csrf=await sessions.csrf_token(request))
    return sessions.finish(request, html.page(config, _("Delete your account"), body, status=status))


async def settings_page(request: web.Request) -> web.StreamResponse:
    """GET /settings/delete"""
    return await _page(request, await sessions.signed_in(request, PATH))


async def _password_right(request: web.Request, account: AccountRow, password: object) -> str:
    """"" when the password is right, else the error to show."""
    app = request.app
    subject, address = login_limits.account_subject(account.id, account.username), client_address(request)
    if await login_limits.wait_seconds(app, subject, address):
        return _(login_limits.TOO_MANY)
    user = await accounts.get_user(app[DB], account.id)
    if user is not None and isinstance(password, str) and password and \
            await asyncio.to_thread(verify_password, user.password_hash, password):
        return ""
    await login_limits.failed(app, subject, address)
    return _("That password is not right; nothing was deleted.")


async def delete_own(request: web.Request) -> web.StreamResponse:
    """POST /settings/delete: the password, then the account is deleted."""
    account = await sessions.signed_in(request, PATH)
    form = await request.post()
    await sessions.check_csrf(request, form)
    error = await _password_right(request, account, form.get("password"))
    if error:
        return await _page(request, account, error=error, status=422)
    await delete_local_account(request.app[DB], account, "self", account)
    wake(request.app)
    await sessions.sign_out(request)
    body = html.render("notice.html", heading=_("Your account is deleted"),
                       message=_("Your account is deleted and you are signed out. Its content is being "
                                 "removed from this node and from the nodes it reached."), detail="")
    return sessions.finish(request, html.page(request.app[CONFIG], _("Your account is deleted"), body))


def routes() -> list[web.RouteDef]:
    return [routing.get(PATH, settings_page), routing.post(PATH, delete_own)]
