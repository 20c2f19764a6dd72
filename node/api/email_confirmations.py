"""Confirming an address: Mastodon's API and the link in the message (issue #16).

`POST /api/v1/emails/confirmations` mails the sign-up link again, to a
new `email` if given, and only while the sign-up address awaits
confirmation (else 403, as Mastodon): the token of an unconfirmed
account works here and nowhere else. `GET /api/v1/emails/check_confirmation`
says whether the address is confirmed. `GET /auth/confirmation
?confirmation_token=...` is where the mailed link leads.
"""

from __future__ import annotations

from aiohttp import web

from node import email_confirmation, html, routing, sessions
from node.auth import Auth, auth_for_token, bearer_token
from node.errors import forbidden, json_error, unauthorized, unprocessable
from node.html import Markup, escape
from node.i18n import _
from node.keys import CONFIG, DB
from node import scopes as scope_rules
from node.params import read_params
from storage import pending_emails

_ADDRESS_ERRORS = {"invalid": "is invalid", "taken": "has already been taken"}


async def _unconfirmed_ok_auth(request: web.Request, *needed: str) -> Auth:
    token = bearer_token(request)
    if token is None:
        raise unauthorized()
    auth = await auth_for_token(request.app[DB], token, unconfirmed_ok=True)
    if auth.account is None:
        raise unprocessable("This method requires an authenticated user")
    if not scope_rules.allows_any(auth.scopes, needed):
        raise forbidden("This action is outside the authorized scopes")
    return auth


async def resend(request: web.Request) -> web.Response:
    """POST /api/v1/emails/confirmations"""
    auth = await _unconfirmed_ok_auth(request, "write", "write:accounts")
    assert auth.account is not None
    email = (await read_params(request)).str("email") or ""
    try:
        await email_confirmation.resend(request.app, auth.account, email)
    except email_confirmation.TooManyError:
        raise json_error(429, "Too many requests") from None
    except email_confirmation.NotAwaitingError:
        raise forbidden("This method is only available while the e-mail is awaiting confirmation") from None
    except email_confirmation.AddressError as exc:
        description = _ADDRESS_ERRORS.get(exc.code, "is invalid")
        raise unprocessable(f"Validation failed: Email {description}",
                            details={"email": [{"error": f"ERR_{exc.code.upper()}", "description": description}]}
                            ) from None
    return web.json_response({})


async def check(request: web.Request) -> web.Response:
    """GET /api/v1/emails/check_confirmation"""
    auth = await _unconfirmed_ok_auth(request, "read", "read:accounts")
    pending = await pending_emails.get(request.app[DB], auth.account_id)
    return web.json_response(not (pending is not None and pending.sign_up))


async def confirm_link(request: web.Request) -> web.StreamResponse:
    """GET /auth/confirmation?confirmation_token=..."""
    token = request.query.get("confirmation_token", "")
    account = await email_confirmation.confirm(request.app, token) if token else None
    if account is None:
        heading, message, status = (_("This link does not work"),
                                    _("The link has expired, was already used, or was replaced by a newer one."), 404)
    else:
        heading, message, status = (_("Your e-mail address is confirmed"),
                                    _("Thank you. You can sign in now."), 200)
    body = html.render("notice.html", heading=heading, message=message,
                       detail=_link("/auth/sign_in", _("Sign in")))
    response = html.page(request.app[CONFIG], heading, body, status=status)
    response.headers["Referrer-Policy"] = "no-referrer"  # the page's address holds a token
    return sessions.finish(request, response)


def _link(path: str, label: str) -> Markup:
    return Markup(f'<p><a href="{escape(path)}">{escape(label)}</a></p>')


def routes() -> list[web.RouteDef]:
    return [routing.post("/api/v1/emails/confirmations", resend),
            routing.get("/api/v1/emails/check_confirmation", check),
            routing.get(email_confirmation.CONFIRM_PATH, confirm_link)]
