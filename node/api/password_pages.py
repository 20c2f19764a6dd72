"""`/auth/password/new` and `/auth/password/edit`: a forgotten password (issue #16).

The first asks for an address and answers the same page, status and
words whether or not an account has it (`node.password_reset` does the
same work either way); too many requests for one address or from one
client answer 429, for known and unknown addresses alike. The link in
the message opens the second with `reset_password_token`; its form
carries the token on in the body, and setting the password signs the
account out everywhere.
"""

from __future__ import annotations

from aiohttp import web

from node import html, password_reset, routing, sessions
from node.client_address import client_address
from node.html import Markup, escape
from node.i18n import _
from node.keys import CONFIG
from node.registration import RegistrationError

NEW_PATH = "/auth/password/new"


def _finish(request: web.Request, title: str, body: Markup, status: int = 200) -> web.StreamResponse:
    response = html.page(request.app[CONFIG], title, body, status=status)
    response.headers["Referrer-Policy"] = "no-referrer"  # the page's address may hold a token
    return sessions.finish(request, response)


async def _ask_page(request: web.Request, *, sent: bool = False, error: str = "",
                    status: int = 200) -> web.StreamResponse:
    body = html.render("password_new.html", csrf=await sessions.csrf_token(request), sent=sent, error=error)
    return _finish(request, _("Forgot your password?"), body, status)


async def ask_page(request: web.Request) -> web.StreamResponse:
    """GET /auth/password/new"""
    return await _ask_page(request)


async def ask_submit(request: web.Request) -> web.StreamResponse:
    """POST /auth/password/new"""
    form = await request.post()
    await sessions.check_csrf(request, form)
    email = form.get("email")
    result = await password_reset.request_reset(request.app, email if isinstance(email, str) else "",
                                                client_address(request))
    if result.throttled:
        page = await _ask_page(request, error=_("Too many requests. Try again later."), status=429)
        page.headers["Retry-After"] = str(int(password_reset.WINDOW.total_seconds()))
        return page
    return await _ask_page(request, sent=True)


def _link_dead(request: web.Request) -> web.StreamResponse:
    body = html.render("notice.html", heading=_("This link does not work"),
                       message=_("The link has expired or was already used. Ask for a new one."),
                       detail=_link(NEW_PATH, _("Forgot your password?")))
    return _finish(request, _("This link does not work"), body, 404)


async def _edit_page(request: web.Request, token: str, *, error: str = "", status: int = 200) -> web.StreamResponse:
    body = html.render("password_edit.html", csrf=await sessions.csrf_token(request), token=token, error=error,
                       min_length=request.app[CONFIG].registrations.min_password_length)
    return _finish(request, _("Choose a new password"), body, status)


async def edit_page(request: web.Request) -> web.StreamResponse:
    """GET /auth/password/edit?reset_password_token=..."""
    token = request.query.get("reset_password_token", "")
    if not token or not await password_reset.token_is_live(request.app, token):
        return _link_dead(request)
    return await _edit_page(request, token)


async def edit_submit(request: web.Request) -> web.StreamResponse:
    """POST /auth/password/edit"""
    form = await request.post()
    await sessions.check_csrf(request, form)
    token, password, again = (form.get(k) for k in ("reset_password_token", "password", "password_confirmation"))
    if not isinstance(token, str) or not token:
        return _link_dead(request)
    if not isinstance(password, str) or password != again:
        return await _edit_page(request, token, error=_("The two passwords are not the same."), status=422)
    try:
        account_id = await password_reset.reset(request.app, token, password, client_address(request))
    except RegistrationError:
        return await _edit_page(request, token, error=password_rule(request), status=422)
    if account_id is None:
        return _link_dead(request)
    await sessions.sign_out(request)  # this browser too: the session it may hold is gone
    body = html.render("notice.html", heading=_("Your password was changed"),
                       message=_("Every app and browser signed in to your account was signed out. "
                                 "Sign in with the new password."),
                       detail=_link("/auth/sign_in", _("Sign in")))
    return _finish(request, _("Your password was changed"), body)


def password_rule(request: web.Request) -> str:
    return _("The password must have at least %(count)s characters.",
             count=request.app[CONFIG].registrations.min_password_length)


def _link(path: str, label: str) -> Markup:
    return Markup(f'<p><a href="{escape(path)}">{escape(label)}</a></p>')


def routes() -> list[web.RouteDef]:
    return [routing.get(NEW_PATH, ask_page), routing.post(NEW_PATH, ask_submit),
            routing.get(password_reset.EDIT_PATH, edit_page), routing.post(password_reset.EDIT_PATH, edit_submit)]
