"""Browser sign-in and sign-out for the node's own pages (`/auth/...`).

The session itself lives in `node.sessions`; /oauth/authorize and the
admin pages use the same cookie. `next` only ever leads to a path on this
node, never to another site.
"""

from __future__ import annotations

from aiohttp import web

from node import html, routing, sessions
from node.audit_log import audit
from node.client_address import client_address
from node.html import Markup, escape
from node.i18n import _
from node.keys import CONFIG, DB
from storage import accounts
from storage.accounts import AccountRow


def safe_next(value: object) -> str:
    """A local path to go to after signing in; "/" for anything else."""
    text = value if isinstance(value, str) else ""
    if not text.startswith("/") or text.startswith(("//", "/\\")) or any(c in text for c in "\r\n\t"):
        return "/"
    return text


async def _form(request: web.Request, next_path: str, *, error: str = "", login: str = "",
                status: int = 200) -> web.StreamResponse:
    body = html.render(
        "sign_in.html", csrf=await sessions.csrf_token(request), next=next_path,
        error=Markup(f'<p class="error">{escape(error)}</p>' if error else ""),
        fields=html.render("login_fields.html", login=login))
    return sessions.finish(request, html.page(request.app[CONFIG], _("Sign in"), body, status=status))


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """GET /auth/sign_in: the form, or who is signed in."""
    account = await sessions.current_account(request)
    if account is None:
        return await _form(request, safe_next(request.query.get("next")))
    body = html.render("signed_in.html", username=account.username, csrf=await sessions.csrf_token(request))
    return sessions.finish(request, html.page(request.app[CONFIG], _("Signed in"), body))


async def sign_in_submit(request: web.Request) -> web.StreamResponse:
    """POST /auth/sign_in"""
    form = await request.post()
    await sessions.check_csrf(request, form)
    login, password = form.get("login"), form.get("password")
    next_path = safe_next(form.get("next"))
    code = form.get("otp_attempt")
    check = await sessions.check_login(request, login if isinstance(login, str) else "",
                                       password if isinstance(password, str) else "",
                                       code if isinstance(code, str) else "")
    if check.account is None:
        page = await _form(request, next_path, error=check.error, login=login if isinstance(login, str) else "",
                           status=429 if check.retry_after else 422)
        if check.retry_after:
            page.headers["Retry-After"] = str(check.retry_after)
        return page
    await sessions.sign_in(request, check.account.id)
    await _audit_staff_sign_in(request, check.account)
    return sessions.finish(request, web.Response(status=303, headers={"Location": next_path}))


async def _audit_staff_sign_in(request: web.Request, account: AccountRow) -> None:
    """Article 7(1): a moderator's or admin's sign-in is an audited event."""
    user = await accounts.get_user(request.app[DB], account.id)
    if user is not None and user.role in ("admin", "moderator"):
        await audit(request.app, account, "staff.sign_in", ("account", account.id),
                    {"role": user.role, "ip": client_address(request)})


async def sign_out(request: web.Request) -> web.StreamResponse:
    """POST /auth/sign_out"""
    form = await request.post()
    await sessions.check_csrf(request, form)
    await sessions.sign_out(request)
    return sessions.finish(request, web.Response(status=303, headers={"Location": "/"}))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/auth/sign_in", sign_in_page),
        routing.post("/auth/sign_in", sign_in_submit),
        routing.post("/auth/sign_out", sign_out),
    ]
