"""`/oauth/authorize`: one page to sign in and approve (or deny) an app.

GET checks the request and shows the app, the scopes it asks for and,
when the browser is not signed in (or `force_login` is set), the sign-in
fields. POST checks everything again, the CSRF token too, then redirects
to the app's redirect URI with `code` and `state`, or `error=access_denied`.

Never a redirect to an address the app did not register: an unknown
client or redirect URI gets an error page. With the out-of-band URI the
code is shown on a page of this node (`/oauth/authorize/native`), as
Mastodon (Doorkeeper) does.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from aiohttp import web

from node import html, routing, sessions
from node.api.oauth import DESCRIPTIONS, OOB, granted_scopes
from node.html import Markup, escape
from node.i18n import N_, _
from node.keys import CONFIG, DB
from storage import oauth
from storage.accounts import AccountRow
from storage.clock import iso, now
from storage.database import Database
from storage.oauth import AppRow, CodeRow

CODE_LIFETIME = dt.timedelta(minutes=10)
_CHALLENGE = re.compile(r"\A[A-Za-z0-9\-._~]{43,128}\Z")

SCOPE_TEXT = {
    "read": N_("read all your account's data"), "write": N_("modify all your account's data"),
    "follow": N_("modify account relationships"), "push": N_("receive your push notifications"),
    "profile": N_("read only your account's profile information"),
    "admin:read": N_("read all data on the server"), "admin:write": N_("modify all data on the server"),
}


class PageError(Exception):
    """The request cannot be trusted to redirect anywhere: show a page."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class RedirectError(Exception):
    """An error to send back to the (registered) redirect URI."""

    def __init__(self, error: str, description: str | None = None) -> None:
        super().__init__(error)
        self.error, self.description = error, description or DESCRIPTIONS[error]


@dataclass(frozen=True, slots=True)
class AuthRequest:
    app: AppRow
    redirect_uri: str
    scopes: str
    state: str | None
    challenge: str | None
    method: str | None
    force_login: bool

    def fields(self, **override: str) -> dict[str, str]:
        """The request as form fields, to post it again."""
        values = {"response_type": "code", "client_id": self.app.client_id,
                  "redirect_uri": self.redirect_uri, "scope": self.scopes, "state": self.state or "",
                  "code_challenge": self.challenge or "", "code_challenge_method": self.method or "",
                  "force_login": "true" if self.force_login else ""}
        values.update(override)
        return {k: v for k, v in values.items() if v}


def _pkce(values: Mapping[str, str]) -> tuple[str | None, str | None]:
    challenge = values.get("code_challenge") or None
    method = values.get("code_challenge_method") or None
    if challenge is None and method is None:
        return None, None
    if challenge is None or not _CHALLENGE.match(challenge):
        raise RedirectError("invalid_request", "The code_challenge is missing or malformed.")
    if method != "S256":
        raise RedirectError("invalid_request", "The code_challenge_method must be S256.")
    return challenge, method


async def read_client(db: Database, values: Mapping[str, str]) -> tuple[AppRow, str, str | None]:
    """(app, redirect_uri, state), or PageError: only a registered URI is trusted."""
    client_id = values.get("client_id") or ""
    app = await oauth.find_app(db, client_id) if client_id else None
    if app is None:
        raise PageError("invalid_client")
    registered = app.redirect_uris.split()
    redirect_uri = values.get("redirect_uri") or (registered[0] if len(registered) == 1 else "")
    if redirect_uri not in registered:
        raise PageError("invalid_redirect_uri")
    return app, redirect_uri, values.get("state") or None


def _parse(app: AppRow, redirect_uri: str, state: str | None, values: Mapping[str, str]) -> AuthRequest:
    response_type = values.get("response_type")
    if not response_type:
        raise RedirectError("invalid_request", "Missing required parameter: response_type.")
    if response_type != "code":
        raise RedirectError("unsupported_response_type")
    scopes = granted_scopes(values.get("scope"), app.scopes)
    if scopes is None:
        raise RedirectError("invalid_scope")
    challenge, method = _pkce(values)
    force = (values.get("force_login") or "").lower() in ("true", "1", "yes", "on")
    return AuthRequest(app, redirect_uri, scopes, state, challenge, method, force)


def _redirect(redirect_uri: str, params: dict[str, str | None]) -> web.Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    location = redirect_uri + ("&" if "?" in redirect_uri else "?") + query
    return web.Response(status=302, headers={"Location": location})


def _error_page(request: web.Request, error: str, description: str, status: int = 400) -> web.Response:
    body = html.render("notice.html", heading=_("An error has occurred"), message=_(description),
                       detail=Markup(f"<p><code>{escape(error)}</code></p>"))
    return html.page(request.app[CONFIG], _("Authorisation error"), body, status=status)


def _send_error(request: web.Request, redirect_uri: str, state: str | None, exc: RedirectError) -> web.Response:
    if redirect_uri == OOB:
        return _error_page(request, exc.error, exc.description)
    return _redirect(redirect_uri, {"error": exc.error, "error_description": exc.description, "state": state})


async def _checked(request: web.Request, values: Mapping[str, str]) -> AuthRequest | web.Response:
    """The validated request, or the response that answers a bad one."""
    try:
        app, redirect_uri, state = await read_client(request.app[DB], values)
    except PageError as exc:
        return _error_page(request, exc.error, DESCRIPTIONS[exc.error])
    try:
        return _parse(app, redirect_uri, state, values)
    except RedirectError as exc:
        return _send_error(request, redirect_uri, state, exc)


def _scope_items(scopes: str) -> Markup:
    items = []
    for scope in scopes.split():
        top, _sep, sub = scope.rpartition(":")
        what = sub.replace("_", " ")
        text = (_(SCOPE_TEXT[scope]) if scope in SCOPE_TEXT
                else _("read your %(what)s", what=what) if top.endswith("read")
                else _("modify your %(what)s", what=what))
        items.append(f"<li><code>{escape(scope)}</code> {escape(text)}</li>")
    return Markup("\n".join(items))


def _account_part(req: AuthRequest, account: AccountRow | None, login: str) -> Markup:
    if account is None:
        return html.render("login_fields.html", login=login)
    other = "/oauth/authorize?" + urlencode(req.fields(force_login="true"))
    return html.render("oauth_account.html", who="@" + account.username, other=other)


async def _consent_page(request: web.Request, req: AuthRequest, account: AccountRow | None, *,
                        error: str = "", login: str = "", status: int = 200) -> web.StreamResponse:
    config = request.app[CONFIG]
    csrf = await sessions.csrf_token(request)
    fields = {**req.fields(), sessions.CSRF_FIELD: csrf}
    hidden = Markup("\n".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                              for k, v in fields.items()))
    website = Markup(f' (<a href="{escape(req.app.website)}" rel="noopener noreferrer">{escape(req.app.website)}</a>)'
                     if req.app.website else "")
    body = html.render(
        "authorize.html", app_name=req.app.name, website=website, node_name=config.node.name,
        error=Markup(f'<p class="error">{escape(error)}</p>' if error else ""), hidden=hidden,
        account=_account_part(req, account, login), scopes=_scope_items(req.scopes))
    return sessions.finish(request, html.page(config, _("Authorisation required"), body, status=status))


async def authorize_page(request: web.Request) -> web.StreamResponse:
    """GET /oauth/authorize"""
    req = await _checked(request, request.query)
    if isinstance(req, web.Response):
        return req
    account = None if req.force_login else await sessions.current_account(request)
    return await _consent_page(request, req, account)


async def _signed_in(request: web.Request, req: AuthRequest,
                     values: Mapping[str, str]) -> sessions.LoginCheck:
    """The approving account: from the sign-in fields if sent (or forced), else the session."""
    login, password = (values.get("login") or "").strip(), values.get("password") or ""
    if login or password or req.force_login:
        check = await sessions.check_login(request, login, password, values.get("otp_attempt") or "")
        if check.account is not None:
            await sessions.sign_in(request, check.account.id)
        return check
    account = await sessions.current_account(request)
    return sessions.LoginCheck(account, "" if account else _("Sign in to continue."))


async def authorize_submit(request: web.Request) -> web.StreamResponse:
    """POST /oauth/authorize: Authorize or Deny."""
    form = await request.post()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    req = await _checked(request, values)
    if isinstance(req, web.Response):
        return req
    await sessions.check_csrf(request, values)
    if values.get("decision") != "approve":
        return sessions.finish(request, _send_error(request, req.redirect_uri, req.state,
                                                    RedirectError("access_denied")))
    check = await _signed_in(request, req, values)
    account = check.account
    if account is None:
        page = await _consent_page(request, req, None, error=check.error, login=values.get("login", ""),
                                   status=429 if check.retry_after else 422)
        if check.retry_after:
            page.headers["Retry-After"] = str(check.retry_after)
        return page
    code = secrets.token_urlsafe(32)
    await oauth.insert_code(request.app[DB], code, CodeRow(
        req.app.id, account.id, req.redirect_uri, req.scopes, req.challenge, req.method,
        iso(now() + CODE_LIFETIME), None))
    if req.redirect_uri == OOB:
        native = f"{request.app[CONFIG].node.base_url.rstrip('/')}/oauth/authorize/native"
        return sessions.finish(request, _redirect(native, {"code": code}))
    return sessions.finish(request, _redirect(req.redirect_uri, {"code": code, "state": req.state}))


async def native_code(request: web.Request) -> web.Response:
    """GET /oauth/authorize/native?code=: the code to copy into the app (out-of-band)."""
    code = request.query.get("code", "")
    if not code:
        return _error_page(request, "invalid_request", DESCRIPTIONS["invalid_request"])
    body = html.render("notice.html", heading=_("Authorisation code"),
                       message=_("Copy this authorisation code and paste it into the application."),
                       detail=Markup(f'<p><input type="text" readonly value="{escape(code)}" id="code"></p>'))
    response = html.page(request.app[CONFIG], _("Authorisation code"), body)
    response.headers["Cache-Control"] = "no-store"
    return response


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/oauth/authorize", authorize_page),
        routing.post("/oauth/authorize", authorize_submit),
        routing.get("/oauth/authorize/native", native_code),
    ]
