"""Verifying identity: the JSON endpoints and the settings page (reveals: node/api/admin_identity.py).

Articles 7(4) and 9: a person brings an attestation from a trusted
identity authority; the node verifies it and keeps the legal data
encrypted. Nothing here returns or logs a name or an identity number,
except the admin reveal, which requires a reason and is recorded first.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from node import html, routing, sessions
from node.auth import Auth, authenticated
from node.errors import unprocessable
from node.gate import identity_rules
from node.html import Markup, escape
from node.i18n import N_, _
from node.keys import CONFIG, DB, IDENTITY
from node.params import read_params
from policy.identity import AttestationError, IdentityState, identity_summary
from policy.identity.enrolment import enrol
from storage import accounts, identities
from storage.accounts import AccountRow
from storage.clock import now, parse


# The settings page says the gate's decision and an attestation's refusal
# in the reader's language, by their codes (policy/ speaks English only).
STATE_MESSAGES = {
    "verified": N_("Your identity is verified."),
    "posting_revoked": N_("A moderator has revoked posting for this account. You can still read and follow."),
    "grace": N_("You can post until %(deadline)s without verifying. Verify your identity on this page before then."),
    "grace_expired": N_("The deadline to verify your identity passed on %(deadline)s. "
                        "Verify your identity on this page to post again."),
    "identity_required": N_("Identity verification is required before you can post. "
                            "Verify your identity on this page."),
}
REFUSALS = {
    "malformed": N_("This is not a valid attestation: copy it again, whole, from the identity authority."),
    "unknown_authority": N_("The identity authority that issued this attestation is not trusted by this node."),
    "bad_signature": N_("The attestation's signature does not match its identity authority's key."),
    "wrong_audience": N_("The attestation was issued for another node."),
    "not_yet_valid": N_("The attestation was issued in the future: the clocks of the node and the authority "
                        "disagree."),
    "expired": N_("The attestation has expired: ask the identity authority for a new one."),
    "bad_id_number": N_("The attested identity number is invalid."),
    "replayed": N_("This attestation has already been used; ask the identity authority for a new one."),
    "limit_reached": N_("This identity already backs the most accounts this node allows."),
}


async def summary_for(app: web.Application, account: AccountRow) -> dict[str, Any]:
    """The account's own identity state (verify_credentials shows it too)."""
    db, rules = app[DB], identity_rules(app[CONFIG])
    row = await identities.get_identity(db, account.id)
    user = await accounts.get_user(db, account.id)
    state = IdentityState(verified=row is not None or not rules.required,
                          created_at=parse(account.created_at),
                          revoked_posting=bool(user and user.posting_revoked_at))
    body = identity_summary(state, now=now(), enforcement_started=rules.enforcement_started,
                            grace_until=rules.grace_until)
    body["show_verified"] = bool(account.identity_badge_at)
    body["verified_at"] = row.verified_at if row else None
    body["kind"] = row.kind if row else None
    return body


async def verify_token(app: web.Application, account: AccountRow, token: str) -> None:
    """Verify and store; an AttestationError becomes a 422 with its code."""
    if not token.strip():
        raise unprocessable("An identity attestation is required", code="malformed")
    try:
        await enrol(app[DB], app[IDENTITY], account.id, token, now=now())
    except AttestationError as exc:
        raise unprocessable(exc.message, code=exc.code) from None


@authenticated("read", "read:accounts", "profile")
async def get_identity(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/identity"""
    assert auth.account is not None
    return web.json_response(await summary_for(request.app, auth.account))


@authenticated("write", "write:accounts")
async def post_verify(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/identity/verify {attestation}"""
    assert auth.account is not None
    params = await read_params(request)
    await verify_token(request.app, auth.account, params.str("attestation") or "")
    account = await accounts.get_account(request.app[DB], auth.account_id)
    assert account is not None
    return web.json_response(await summary_for(request.app, account))


@authenticated("write", "write:accounts")
async def patch_identity(request: web.Request, auth: Auth) -> web.Response:
    """PATCH /api/v1/identity {show_verified}: opt in to the public badge."""
    params = await read_params(request)
    show = params.bool("show_verified")
    if show is None:
        raise unprocessable("Validation failed: show_verified is required")
    account = await set_badge(request.app, auth.account_id, show)
    return web.json_response(await summary_for(request.app, account))


async def set_badge(app: web.Application, account_id: int, show: bool) -> AccountRow:
    db = app[DB]
    row = await identities.get_identity(db, account_id)
    if show and row is None:
        raise unprocessable("Only a verified account can show that it is verified")
    await accounts.set_identity_badge(db, account_id, row.verified_at if show and row else None)
    account = await accounts.get_account(db, account_id)
    assert account is not None
    return account


async def settings_page(request: web.Request) -> web.StreamResponse:
    """GET /settings/identity: state and a form to paste an attestation."""
    account = await sessions.signed_in(request, "/settings/identity")
    return await _render_settings(request, account)


async def _render_settings(request: web.Request, account: AccountRow, *, error: str = "",
                           notice: str = "", status: int = 200) -> web.StreamResponse:
    state = await summary_for(request.app, account)
    deadline = (state["grace_until"] or "").replace("T", " ")[:16]
    message = _(STATE_MESSAGES[state["reason"]], deadline=deadline) if state["reason"] in STATE_MESSAGES \
        else state["message"]
    body = html.render(
        "identity.html", username=account.username, message=message, verified=bool(state["verified"]),
        csrf=await sessions.csrf_token(request),
        checked=Markup(" checked" if state["show_verified"] else ""),
        error=Markup(f'<p class="error">{escape(error)}</p>' if error else ""),
        notice=Markup(f'<p class="notice">{escape(notice)}</p>' if notice else ""),
    )
    page = html.page(request.app[CONFIG], _("Identity verification"), body, status=status)
    return sessions.finish(request, page)


async def settings_submit(request: web.Request) -> web.StreamResponse:
    """POST /settings/identity: verify a pasted attestation, or toggle the badge."""
    account = await sessions.signed_in(request, "/settings/identity")
    form = await request.post()
    await sessions.check_csrf(request, form)
    token = form.get("attestation")
    try:
        if isinstance(token, str) and token.strip():
            await verify_token(request.app, account, token)
            notice = _("Your identity is verified. You can now post.")
        else:
            account = await set_badge(request.app, account.id, form.get("show_verified") == "on")
            notice = _("Saved.")
    except web.HTTPException as exc:
        return await _render_settings(request, account, error=_error_text(exc), status=422)
    fresh = await accounts.get_account(request.app[DB], account.id)
    assert fresh is not None
    return await _render_settings(request, fresh, notice=notice)


def _error_text(exc: web.HTTPException) -> str:
    try:
        body = json.loads(exc.text or "{}")
    except ValueError:
        return _("Verification failed")
    code = body.get("code") if isinstance(body, dict) else None
    if code in REFUSALS:
        return _(REFUSALS[code])
    return _(str(body.get("error", "Verification failed"))) if isinstance(body, dict) else _("Verification failed")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/identity", get_identity),
        routing.route("PATCH", "/api/v1/identity", patch_identity),
        routing.post("/api/v1/identity/verify", post_verify),
        routing.get("/settings/identity", settings_page),
        routing.post("/settings/identity", settings_submit),
    ]

