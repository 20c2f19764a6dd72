"""`/settings` and its password and e-mail pages (issue #16), behind the
node's own browser session.

`/settings` links to every settings page, the ones other parts of the
node serve included. `/settings/password` asks for the current password;
a change revokes every OAuth token and every other browser session
(this browser is signed in again). `/settings/email` asks for the
password and a new address, which takes effect only when the link mailed
to it is followed (`node.email_confirmation`).
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from node import email_confirmation, html, routing, sessions
from node.api.password_pages import password_rule
from node.audit_log import audit
from node.html import Markup
from node.i18n import N_, _
from node.keys import CONFIG, DB
from node.passwords import hash_password, verify_password
from node.registration import RegistrationError, check_password
from storage import accounts, credentials, pending_emails
from storage.accounts import AccountRow
from storage.clock import now_iso

ADDRESS_ERRORS = {
    "invalid": N_("That is not an e-mail address."),
    "taken": N_("That address is already in use."),
    "same": N_("That is your address already."),
}


def _finish(request: web.Request, title: str, body: Markup, status: int = 200) -> web.StreamResponse:
    return sessions.finish(request, html.page(request.app[CONFIG], title, body, status=status))


async def index(request: web.Request) -> web.StreamResponse:
    """GET /settings"""
    account = await sessions.signed_in(request, request.path)
    return _finish(request, _("Settings"), html.render("settings_index.html", username=account.username))


async def _right_password(request: web.Request, account: AccountRow, password: object) -> bool:
    user = await accounts.get_user(request.app[DB], account.id)
    return (user is not None and isinstance(password, str)
            and await asyncio.to_thread(verify_password, user.password_hash, password))


async def _password_page(request: web.Request, *, error: str = "", done: bool = False,
                         status: int = 200) -> web.StreamResponse:
    body = html.render("settings_password.html", csrf=await sessions.csrf_token(request), error=error, done=done,
                       min_length=request.app[CONFIG].registrations.min_password_length)
    return _finish(request, _("Change your password"), body, status)


async def password_page(request: web.Request) -> web.StreamResponse:
    """GET /settings/password"""
    await sessions.signed_in(request, request.path)
    return await _password_page(request)


async def password_submit(request: web.Request) -> web.StreamResponse:
    """POST /settings/password"""
    account = await sessions.signed_in(request, request.path)
    form = await request.post()
    await sessions.check_csrf(request, form)
    new, again = form.get("password"), form.get("password_confirmation")
    if not await _right_password(request, account, form.get("current_password")):
        return await _password_page(request, error=_("The current password is not right."), status=422)
    if not isinstance(new, str) or new != again:
        return await _password_page(request, error=_("The two passwords are not the same."), status=422)
    try:
        check_password(request.app[CONFIG], new)
    except RegistrationError:
        return await _password_page(request, error=password_rule(request), status=422)
    password_hash = await asyncio.to_thread(hash_password, new)
    async with request.app[DB].write() as w:
        await credentials.replace_password(w, account.id, password_hash, now_iso())
        await audit(w, account, "account.password_changed", ("account", account.id))
    await sessions.sign_in(request, account.id)  # every session went; this browser stays signed in
    return await _password_page(request, done=True)


async def _email_page(request: web.Request, account: AccountRow, *, error: str = "",
                      status: int = 200) -> web.StreamResponse:
    db = request.app[DB]
    user, pending = await accounts.get_user(db, account.id), await pending_emails.get(db, account.id)
    assert user is not None
    body = html.render("settings_email.html", csrf=await sessions.csrf_token(request), error=error,
                       email=user.email, pending=pending.email if pending and not pending.sign_up else "")
    return _finish(request, _("Change your e-mail address"), body, status)


async def email_page(request: web.Request) -> web.StreamResponse:
    """GET /settings/email"""
    return await _email_page(request, await sessions.signed_in(request, request.path))


async def email_submit(request: web.Request) -> web.StreamResponse:
    """POST /settings/email: the password and a new address; a link is mailed to it."""
    account = await sessions.signed_in(request, request.path)
    form = await request.post()
    await sessions.check_csrf(request, form)
    if not await _right_password(request, account, form.get("current_password")):
        return await _email_page(request, account, error=_("The current password is not right."), status=422)
    email = form.get("email")
    try:
        await email_confirmation.request_change(request.app, account, email if isinstance(email, str) else "")
    except email_confirmation.AddressError as exc:
        return await _email_page(request, account, error=_(ADDRESS_ERRORS[exc.code]), status=422)
    return await _email_page(request, account)


def routes() -> list[web.RouteDef]:
    return [routing.get("/settings", index),
            routing.get("/settings/password", password_page), routing.post("/settings/password", password_submit),
            routing.get("/settings/email", email_page), routing.post("/settings/email", email_submit)]
