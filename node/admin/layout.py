"""What every admin page shares: who may see it, forms, flash notices, the frame.

The pages sign in through the node's own session (`node.sessions`): no
session -> the sign-in form with `next` back here; a session without the
admin or moderator role -> a 403 page. Every POST checks the session's
CSRF token before anything else and answers with a redirect (PRG) that
carries a one-time flash notice in a cookie scoped to /admin, so a
reload never repeats an action and the page works without JavaScript.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from aiohttp import web
from multidict import MultiDictProxy

from node import html, sessions, two_factor
from node.html import Markup, escape
from node.i18n import N_, _
from node.keys import CONFIG, DB
from node.params import Params
from storage import accounts, reveal_requests
from storage.accounts import AccountRow

FLASH_COOKIE = "admin_flash"
VALIDATION_FAILED = "Validation failed: "
T = TypeVar("T")

NAV = (("/admin", N_("Overview")), ("/admin/queue", N_("Review queue")), ("/admin/reports", N_("Reports")),
       ("/admin/accounts", N_("Accounts")), ("/admin/permits", N_("Permits")), ("/admin/registry", N_("Registries")),
       ("/admin/policy", N_("Screening policy")), ("/admin/corrections", N_("Corrections")),
       ("/admin/announcements", N_("Announcements")), ("/admin/custom_emojis", N_("Custom emoji")),
       ("/admin/audit", N_("Audit log")), ("/admin/inbox", N_("Inbox")), ("/admin/mail", N_("Mail")),
       ("/admin/identity", N_("Identity reveals")), ("/admin/compliance", N_("Compliance report")))
ROLE_NAMES = {"admin": N_("admin"), "moderator": N_("moderator"), "user": N_("user"),
              "identity_officer": N_("identity officer")}


@dataclass(frozen=True, slots=True)
class Staff:
    """The signed-in moderator, admin or identity officer behind an admin page request."""

    account: AccountRow
    role: str  # admin | moderator | user (an identity officer without a staff role)
    identity_officer: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def moderates(self) -> bool:
        return self.role in ("admin", "moderator")


async def require_staff(request: web.Request, *, officers_too: bool = False) -> Staff:
    """The staff member of this browser; a redirect to sign in, or a 403 page.

    An identity officer who is neither admin nor moderator sees only the
    pages that say `officers_too` (the identity reveals), not moderation.
    """
    account = await sessions.current_account(request)
    if account is None:
        raise web.HTTPSeeOther(f"/auth/sign_in?next={quote(request.path_qs, safe='/')}")
    user = await accounts.get_user(request.app[DB], account.id)
    officer = await reveal_requests.has_grant(request.app[DB], account.id)
    staff = Staff(account, user.role if user else "user", officer)
    if not (staff.moderates or (officers_too and officer)):
        raise sessions.error_page(request, 403, _("Not allowed"),
                                  _("The admin pages are for the node's moderators and admins."))
    if request.app[CONFIG].sign_in.staff_two_factor and not await two_factor.enabled(request.app, account.id):
        raise web.HTTPSeeOther("/settings/two_factor?required=1")  # [sign_in] staff_two_factor
    return staff


def require_admin(request: web.Request, staff: Staff) -> None:
    """Parts that change the node's configuration are for admins only, as in the admin API."""
    if not staff.is_admin:
        raise sessions.error_page(request, 403, _("Not allowed"), _("Only admins may do this."))


async def read_form(request: web.Request, *, officers_too: bool = False) -> tuple[Staff, MultiDictProxy[Any]]:
    """Staff check, then the CSRF check, before a POST handler looks at anything else."""
    staff = await require_staff(request, officers_too=officers_too)
    form = await request.post()
    await sessions.check_csrf(request, form)
    return staff, form


def params_of(form: MultiDictProxy[Any]) -> Params:
    """The form as the admin API's parameter reader sees a request body."""
    values: dict[str, list[Any]] = {}
    for key, value in form.items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return Params(values)


def field(form: MultiDictProxy[Any], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def error_message(exc: web.HTTPException) -> str:
    """The message of an error the shared admin functions raised (Mastodon's JSON shape)."""
    try:
        message = str(json.loads(exc.text or "")["error"])
    except (ValueError, KeyError, TypeError):
        message = exc.reason
    # The admin API's English, in the page's language where the catalog has
    # it; a validation error is Rails' "Validation failed: <what>", each part
    # catalogued on its own.
    what = message.removeprefix(VALIDATION_FAILED)
    if what != message:
        return _("Validation failed: %(errors)s", errors=_(what))
    return _(message)


async def attempt(action: Awaitable[T]) -> tuple[T | None, str]:
    """Run a shared admin function; its refusal becomes a message for the page.

    The functions are the admin API's own and speak HTTP errors; the page
    shows the same words instead of a JSON body.
    """
    try:
        return await action, ""
    except web.HTTPException as exc:
        if exc.status >= 500 or exc.status in (301, 302, 303, 307, 308):
            raise
        return None, error_message(exc)


def back(request: web.Request, location: str, *, notice: str = "", error: str = "") -> web.StreamResponse:
    """303 to `location` with a flash notice (or error) for the next page."""
    response = web.Response(status=303, headers={"Location": location})
    if notice or error:
        value = quote(("error:" + error) if error else ("notice:" + notice), safe="")
        response.set_cookie(FLASH_COOKIE, value[:3000], path="/admin", httponly=True, samesite="Lax",
                            secure=request.app[CONFIG].node.base_url.startswith("https://"))
    return sessions.finish(request, response)


def _flash(request: web.Request) -> Markup:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return Markup("")
    kind, _sep, text = unquote(raw).partition(":")
    css = "error" if kind == "error" else "notice"
    return Markup(f'<p class="{css}" role="status">{escape(text)}</p>')


async def show(request: web.Request, staff: Staff, title: str, body: Markup, *,
               status: int = 200) -> web.StreamResponse:
    """The admin frame around `body`: navigation, who is signed in, the flash notice."""
    nav = [(href, _(label)) for href, label in NAV if staff.moderates or href == "/admin/identity"]
    role = role_name(staff.role) if staff.moderates else role_name("identity_officer")
    if staff.moderates and staff.identity_officer:
        role = _("%(role)s, identity officer", role=role)
    frame = html.render("admin_layout.html", nav=nav, title=title, username=staff.account.username, role=role,
                        csrf=await sessions.csrf_token(request), flash=_flash(request), body=body)
    response = html.page(request.app[CONFIG], _("Admin: %(title)s", title=title), frame, status=status)
    if FLASH_COOKIE in request.cookies:
        response.del_cookie(FLASH_COOKIE, path="/admin")  # shown once
    return sessions.finish(request, response)


def role_name(role: str) -> str:
    return _(ROLE_NAMES.get(role, role))


def yes_no(value: object) -> str:
    return _("yes") if value else _("no")


def post_form(action: str, csrf: str, button: str, fields: Markup = Markup(""), *,
              css: str = "inline") -> Markup:
    """A POST form carrying the CSRF token."""
    return Markup(f'<form method="post" action="{escape(action)}" class="{css}">'
                  f'<input type="hidden" name="csrf_token" value="{escape(csrf)}">{fields}'
                  f'<button type="submit">{escape(button)}</button></form>')


def table(headers: Iterable[str], rows: Iterable[Iterable[object]], empty: str) -> Markup:
    """An HTML table; cells are escaped unless they are Markup."""
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return Markup(f"<p>{escape(empty)}</p>")
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return Markup(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def code(value: object) -> Markup:
    """An identifier as the policy or the config writes it (`review`, `shadow`,
    `status`): the same in every language, shown as code rather than translated."""
    return Markup(f"<code>{escape(value)}</code>") if value != "" else Markup("")


def link(href: str, text: object) -> Markup:
    return Markup(f'<a href="{escape(href)}">{escape(text)}</a>')
