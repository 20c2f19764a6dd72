"""Browser sessions for the node's own pages: sign-in, OAuth consent, admin.

A page with a form puts `await csrf_token(request)` in a hidden
`csrf_token` field; the handler of the POST calls `check_csrf(request,
form)`, which raises a 403 page on a mismatch. A visitor who has not
signed in gets a session too (no account, only the CSRF token), so the
sign-in form itself is protected; signing in replaces that session with a
new one (no session fixation). Because any of these may change the
cookie, every handler of such a page ends with `finish(request, response)`.

The cookie is HttpOnly, SameSite=Lax and, on an https node, Secure; the
database keeps only its SHA-256.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from aiohttp import web

from node import html, login_limits, two_factor
from node.client_address import client_address
from node.i18n import N_, _
from node.keys import CONFIG, DB
from node.passwords import hash_password, verify_password
from storage import accounts, instance_activity, web_sessions
from storage.accounts import AccountRow, UserRow
from storage.clock import iso, now
from storage.web_sessions import SessionRow

COOKIE = "node_session"
CSRF_FIELD = "csrf_token"
SIGNED_IN_FOR = dt.timedelta(days=14)
VISITOR_FOR = dt.timedelta(hours=2)

INVALID_LOGIN = N_("Invalid e-mail address or password.")
CODE_NEEDED = N_("Enter the two-factor code from your authenticator app (or a recovery code).")
INVALID_CODE = N_("Invalid two-factor code.")
STAFF_NEEDS_TWO_FACTOR = N_("Two-factor sign-in is required for staff accounts on this node: "
                            "sign in with a browser and turn it on at /settings/two_factor first.")
STAFF_ROLES = ("admin", "moderator")
UNCONFIRMED = N_("You need to confirm your e-mail address before you can continue: "
                 "follow the link in the message we sent you.")


@dataclass
class _State:
    """This request's view of its session, and the cookie to send back."""

    row: SessionRow | None
    new_cookie: str | None = None
    new_max_age: int = 0
    clear: bool = False


_STATE = web.RequestKey("web_session", _State)


@dataclass(frozen=True, slots=True)
class LoginCheck:
    """The outcome of a login attempt: an account, or why not (with
    `retry_after` seconds when too many attempts failed: a 429)."""

    account: AccountRow | None
    error: str = ""
    retry_after: int = 0


async def _state(request: web.Request) -> _State:
    if _STATE not in request:
        value = request.cookies.get(COOKIE)
        row = await web_sessions.find_session(request.app[DB], value) if value else None
        request[_STATE] = _State(row)
    return request[_STATE]


def refusal(account: AccountRow, user: UserRow | None) -> str:
    """Why this account may not sign in now; "" if it may."""
    if user is None:
        return _(INVALID_LOGIN)
    if user.unconfirmed:
        return _(UNCONFIRMED)
    if not user.approved:
        return _("Your account is pending review by the moderators.")
    if user.disabled:
        return _("Your account is disabled.")
    if account.suspended_at:
        return _("Your account is suspended.")
    return ""


async def current_account(request: web.Request) -> AccountRow | None:
    """The signed-in account of this browser, if any (and still allowed in)."""
    state = await _state(request)
    if state.row is None or state.row.account_id is None:
        return None
    db = request.app[DB]
    account = await accounts.get_account(db, state.row.account_id)
    if account is None or refusal(account, await accounts.get_user(db, account.id)):
        return None
    return account


async def signed_in(request: web.Request, back: str) -> AccountRow:
    """The signed-in account, or a redirect to the sign-in page that comes back to `back`."""
    account = await current_account(request)
    if account is None:
        raise web.HTTPSeeOther(f"/auth/sign_in?next={quote(back, safe='/')}")
    return account


async def _replace(request: web.Request, state: _State, account_id: int | None) -> None:
    lifetime = SIGNED_IN_FOR if account_id is not None else VISITOR_FOR
    old = request.cookies.get(COOKIE) if state.row is not None else None
    value = secrets.token_urlsafe(32)
    state.row = await web_sessions.replace_session(
        request.app[DB], old, value, account_id, secrets.token_urlsafe(32), iso(now() + lifetime))
    state.new_cookie, state.new_max_age, state.clear = value, int(lifetime.total_seconds()), False


async def csrf_token(request: web.Request) -> str:
    """The token a form on this page must send back; starts a visitor session if needed."""
    state = await _state(request)
    if state.row is None:
        await _replace(request, state, None)
    assert state.row is not None
    return state.row.csrf


async def check_csrf(request: web.Request, form: Mapping[str, Any]) -> None:
    """Raise a 403 page unless `form` carries this session's CSRF token."""
    state = await _state(request)
    sent = form.get(CSRF_FIELD)
    if state.row is None or not isinstance(sent, str) or not hmac.compare_digest(sent, state.row.csrf):
        raise error_page(request, 403, _("Invalid request"),
                         _("This form has expired or did not come from this site. "
                           "Go back, reload the page and try again."))


async def sign_in(request: web.Request, account_id: int) -> None:
    state = await _state(request)
    await _replace(request, state, account_id)
    await accounts.touch_sign_in(request.app[DB], account_id)
    await instance_activity.record_login(request.app[DB], account_id)  # the instance's weekly logins


async def sign_out(request: web.Request) -> None:
    state = await _state(request)
    value = request.cookies.get(COOKIE)
    if value:
        await web_sessions.delete_session(request.app[DB], value)
    state.row, state.new_cookie, state.clear = None, None, True


def finish(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Set (or clear) the session cookie if this request changed it."""
    state = request.get(_STATE)
    if state is not None and state.new_cookie:
        secure = request.app[CONFIG].node.base_url.startswith("https://")
        response.set_cookie(COOKIE, state.new_cookie, max_age=state.new_max_age, path="/",
                            httponly=True, samesite="Lax", secure=secure)
    elif state is not None and state.clear:
        response.del_cookie(COOKIE, path="/")
    response.headers["Cache-Control"] = "no-store"
    return response


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


async def check_login(request: web.Request, login: str, password: str, code: str = "", *,
                      app_client: bool = False) -> LoginCheck:
    """E-mail or username, password and (when turned on) a two-factor code;
    the same work whether or not the login exists. Limited per account and
    per address (`node.login_limits`) before any password is looked at.
    `app_client`: an OAuth password grant, which a staff account may not
    use while `[sign_in] staff_two_factor` asks it for a second factor it
    has not set up."""
    app, db = request.app, request.app[DB]
    user = await accounts.find_user_by_login(db, login.strip()) if login.strip() else None
    subject = login_limits.account_subject(user.account_id if user is not None else None, login)
    address = client_address(request)
    wait = await login_limits.wait_seconds(app, subject, address)
    if wait:
        return LoginCheck(None, _(login_limits.TOO_MANY), wait)
    stored = user.password_hash if user is not None else await asyncio.to_thread(_decoy_hash)
    matches = await asyncio.to_thread(verify_password, stored, password)
    account = await accounts.get_account(db, user.account_id) if user is not None and matches else None
    if user is None or account is None:
        await login_limits.failed(app, subject, address)
        return LoginCheck(None, _(INVALID_LOGIN))
    reason = refusal(account, user)
    if reason:
        return LoginCheck(None, reason)
    if await two_factor.enabled(app, account.id):
        if not code.strip():
            return LoginCheck(None, _(CODE_NEEDED))
        if not await two_factor.verify(app, account.id, code):
            await login_limits.failed(app, subject, address)
            return LoginCheck(None, _(INVALID_CODE))
    elif app_client and user.role in STAFF_ROLES and app[CONFIG].sign_in.staff_two_factor:
        return LoginCheck(None, _(STAFF_NEEDS_TWO_FACTOR))
    await login_limits.succeeded(app, subject)
    return LoginCheck(account)


_PAGE_ERRORS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest, 403: web.HTTPForbidden, 404: web.HTTPNotFound,
}


def error_page(request: web.Request, status: int, heading: str, message: str) -> web.HTTPException:
    """An HTML error page (with the permit footer) to raise from a page handler."""
    body = html.render("notice.html", heading=heading, message=message, detail=html.Markup(""))
    text = html.page(request.app[CONFIG], heading, body, status=status).text
    exc = _PAGE_ERRORS[status](text=text, content_type="text/html")
    exc.headers["X-Frame-Options"] = "DENY"
    exc.headers["Cache-Control"] = "no-store"
    return exc
