"""Reports from anyone (article 13): the client API and a public form.

`POST /api/v1/reports` is Mastodon's. `/report` is a page that needs no
account: a handle or a post URL, a category and a comment. Abuse is
bounded without a captcha: a per-client rate limit kept in the database
(every process sees it), a honeypot field people never see, and a signed
start time that must be at least a few seconds old.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from typing import Any

from aiohttp import web

from federation import moderation_out
from federation.emit import after_commit
from node import html, routing
from node.api import admin_reports
from node.api.path_ids import parse_id
from node.auth import Auth, authenticated
from node.client_address import client_address
from node.entities.account import serialize_account
from node.errors import not_found, unprocessable
from node.html import Markup, escape
from node.i18n import _
from node.keys import CONFIG, DB, IDS
from node.params import read_params
from storage import accounts, reports, statuses
from storage import screening as settings
from storage.clock import iso, now
from storage.remote import find_status_by_uri
from node.entities.report import serialize_report
from storage.reports import CATEGORIES, ReportRow

FORM_LIMIT = 5             # reports per client address
FORM_WINDOW = 3600         # seconds
MIN_FILL_SECONDS = 3.0     # a person takes longer than this to fill the form
MAX_FILL_SECONDS = 86400.0
_SECRET_KEY = "report_form_secret"


async def _statuses_of(request: web.Request, target_id: int, raw: list[Any]) -> list[int]:
    ids = [i for i in (parse_id(v) for v in raw) if i is not None]
    found = await statuses.get_statuses(request.app[DB], ids)
    if len(found) != len(set(ids)) or any(s.account_id != target_id for s in found):
        raise unprocessable("Validation failed: status_ids must be statuses of the reported account")
    return ids


@authenticated("write", "write:reports")
async def create(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/reports"""
    params = await read_params(request)
    target_id = parse_id(params.str("account_id"))
    target = await accounts.get_account(request.app[DB], target_id) if target_id is not None else None
    if target is None:
        raise not_found()
    category = params.str("category") or ("violation" if params.list("rule_ids") else "other")
    if category not in CATEGORIES:
        raise unprocessable(f"Validation failed: category must be one of {', '.join(CATEGORIES)}")
    comment = (params.str("comment") or "")[:1000]
    status_ids = await _statuses_of(request, target.id, params.list("status_ids"))
    row = await reports.create_report(
        request.app[DB], request.app[IDS], reporter_account_id=auth.account_id, target_account_id=target.id,
        status_ids=status_ids, category=category, comment=comment, source="api",
        rule_ids=[str(r) for r in params.list("rule_ids")])
    if params.bool("forward", False) and not target.local:
        row = await _forward(request, auth, row, [str(d) for d in params.list("forward_to_domains")])
    return web.json_response(serialize_report(row, serialize_account(target, request.app[CONFIG])))


async def _forward(request: web.Request, auth: Auth, row: ReportRow, domains: list[str]) -> ReportRow:
    """`forward=true` about a remote account: a Flag to its node if it is
    permitted (`forwarded` says whether it went), and to those of
    `forward_to_domains` whose accounts the reported statuses replied to;
    never for a local one."""
    await after_commit(request.app, moderation_out.report_forwarded, row.id,
                       admin_reports.record_forward(auth, row), domains)
    return await reports.get_report(request.app[DB], row.id) or row


# ---- the public form -------------------------------------------------------

async def _secret(request: web.Request) -> bytes:
    db = request.app[DB]
    value = await settings.get_setting(db, _SECRET_KEY)
    if value is None:
        value = await settings.setting_once(db, _SECRET_KEY, secrets.token_hex(32))
    return value.encode()


def sign_start(secret: bytes, moment: float) -> str:
    stamp = f"{moment:.3f}"
    return f"{stamp}.{hmac.new(secret, stamp.encode(), hashlib.sha256).hexdigest()[:32]}"


def check_start(secret: bytes, token: str, moment: float) -> str:
    """Why a form's signed start time is refused; empty when it is fine."""
    stamp, _sep, mac = token.rpartition(".")
    good = hmac.new(secret, stamp.encode(), hashlib.sha256).hexdigest()[:32]
    if not stamp or not hmac.compare_digest(mac, good):
        return _("The form expired; please fill it in again.")
    elapsed = moment - float(stamp)
    if elapsed < MIN_FILL_SECONDS:
        return _("That was quicker than a person fills in this form; please try again.")
    if elapsed > MAX_FILL_SECONDS:
        return _("The form expired; please fill it in again.")
    return ""


async def form_page(request: web.Request) -> web.Response:
    """GET /report"""
    return await _render(request)


async def _render(request: web.Request, *, error: str = "", notice: str = "", target: str = "",
                  comment: str = "", status: int = 200) -> web.Response:
    body = html.render(
        "report_form.html", started=sign_start(await _secret(request), time.time()),
        target=target or request.query.get("target", ""), comment=comment,
        error=Markup(f'<p class="error">{escape(error)}</p>' if error else ""),
        notice=Markup(f'<p class="notice">{escape(notice)}</p>' if notice else ""))
    return html.page(request.app[CONFIG], _("Report content"), body, status=status)


async def resolve_target(request: web.Request, text: str) -> tuple[int, list[int]] | None:
    """(account id, status ids) for a handle or a post URL on this node's database."""
    text = text.strip()
    db = request.app[DB]
    if text.startswith(("http://", "https://")):
        status = await find_status_by_uri(db, text) or await _status_by_url(request, text)
        return (status.account_id, [status.id]) if status else None
    username, _sep, domain = text.lstrip("@").partition("@")
    local = request.app[CONFIG].node.domain
    account = await accounts.find_account_by_acct(db, username, None if domain in ("", local) else domain)
    return (account.id, []) if account else None


async def _status_by_url(request: web.Request, url: str) -> statuses.StatusRow | None:
    tail = parse_id(url.rstrip("/").rsplit("/", 1)[-1])
    if tail is None:
        return None
    found = await statuses.get_status(request.app[DB], tail)
    return found if found and found.url.rstrip("/") == url.rstrip("/") else None


async def _client_hash(request: web.Request) -> str:
    return hmac.new(await _secret(request), client_address(request).encode(), hashlib.sha256).hexdigest()


async def form_submit(request: web.Request) -> web.Response:
    """POST /report: honeypot, fill time, rate limit, then store."""
    form = await request.post()
    values = {k: v if isinstance(v, str) else "" for k, v in form.items()}
    target_text, comment = values.get("target", "")[:500], values.get("comment", "")[:1000]
    if values.get("website"):
        return await _render(request, notice=_("Thank you; your report was received."))  # a bot: drop quietly
    problem = check_start(await _secret(request), values.get("started", ""), time.time())
    if problem:
        return await _render(request, error=problem, target=target_text, comment=comment, status=422)
    category = values.get("category", "other")
    found = await resolve_target(request, target_text) if category in CATEGORIES else None
    if found is None:
        return await _render(request, error=_("No such account or post on this node."), target=target_text,
                             comment=comment, status=422)
    since = iso(now() - dt.timedelta(seconds=FORM_WINDOW))
    if not await reports.claim_form_slot(request.app[DB], await _client_hash(request), since, FORM_LIMIT):
        return await _render(request, error=_("Too many reports from your address; try again later."),
                             status=429)
    await reports.create_report(request.app[DB], request.app[IDS], reporter_account_id=None,
                                target_account_id=found[0], status_ids=found[1], category=category,
                                comment=comment, source="form")
    return await _render(request, notice=_("Thank you; your report was received."))


def routes() -> list[web.RouteDef]:
    return [
        routing.post("/api/v1/reports", create),
        routing.get("/report", form_page),
        routing.post("/report", form_submit),
    ]

