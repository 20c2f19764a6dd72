"""`/settings/two_factor`: turn TOTP two-factor sign-in on or off (issue #14).

A signed-in person sees the setup (QR code drawn by segno as inline SVG,
the base32 key and the `otpauth://` URI) and turns it on with a code from
their app; the recovery codes are shown once. Turning it off asks for the
password and a code; a staff account may not turn it off while `[sign_in]
staff_two_factor` requires it. Every change is in the audit log. The
page's words are in its templates (`two_factor_*.html`) and the catalog
(`node.i18n`), like every page's.
"""

from __future__ import annotations

import asyncio

import segno
from aiohttp import web

from node import html, routing, sessions, two_factor
from node.audit_log import audit
from node.html import Markup
from node.i18n import _
from node.keys import CONFIG, DB
from node.passwords import verify_password
from storage import accounts
from storage.accounts import AccountRow

PATH = "/settings/two_factor"


async def _page(request: web.Request, account: AccountRow, *, error: str = "", codes: list[str] | None = None,
                status: int = 200) -> web.StreamResponse:
    app, csrf = request.app, await sessions.csrf_token(request)
    if await two_factor.enabled(app, account.id):
        body = html.render("two_factor_on.html", username=account.username, error=error, codes=codes or [],
                           csrf=csrf)
    else:
        secret = await two_factor.pending_secret(app, account.id)
        uri = two_factor.provisioning_uri(app, secret, account.username)
        qr = Markup(segno.make(uri, error="m").svg_inline(scale=4))  # drawn by segno from our own URI
        body = html.render("two_factor_setup.html", username=account.username, error=error,
                           required=bool(request.query.get("required")), qr=qr, secret=secret, uri=uri, csrf=csrf)
    return sessions.finish(request, html.page(app[CONFIG], _("Two-factor sign-in"), body, status=status))


async def settings_page(request: web.Request) -> web.StreamResponse:
    """GET /settings/two_factor"""
    return await _page(request, await sessions.signed_in(request, PATH))


async def turn_on(request: web.Request) -> web.StreamResponse:
    """POST /settings/two_factor: a code from the pending secret turns it on."""
    account = await sessions.signed_in(request, PATH)
    form = await request.post()
    await sessions.check_csrf(request, form)
    code = form.get("code")
    codes = await two_factor.enable(request.app, account.id, code if isinstance(code, str) else "")
    if codes is None:
        return await _page(request, account, error=_("That code is not right; try the current one."), status=422)
    await audit(request.app, account, "two_factor.enabled", ("account", account.id))
    return await _page(request, account, codes=codes)


async def turn_off(request: web.Request) -> web.StreamResponse:
    """POST /settings/two_factor/disable: password and a code."""
    account = await sessions.signed_in(request, PATH)
    form = await request.post()
    await sessions.check_csrf(request, form)
    app = request.app
    user = await accounts.get_user(app[DB], account.id)
    assert user is not None
    if app[CONFIG].sign_in.staff_two_factor and user.role in sessions.STAFF_ROLES:
        return await _page(request, account, error=_("Staff accounts on this node must keep it on."), status=403)
    password, code = form.get("password"), form.get("code")
    right = isinstance(password, str) and await asyncio.to_thread(verify_password, user.password_hash, password)
    if not right or not isinstance(code, str) or not await two_factor.verify(app, account.id, code):
        return await _page(request, account, error=_("The password or the code is not right."), status=422)
    await two_factor.disable(app, account.id)
    await audit(app, account, "two_factor.disabled", ("account", account.id))
    return await _page(request, account)


def routes() -> list[web.RouteDef]:
    return [routing.get(PATH, settings_page), routing.post(PATH, turn_on),
            routing.post(PATH + "/disable", turn_off)]
