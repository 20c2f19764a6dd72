"""Admin accounts and sanctions, in the shape of Mastodon's admin API.

`POST /api/v1/admin/accounts/:id/action` (none, sensitive, disable,
silence, suspend, and the extension revoke_posting; `scope=identity` for
every local account of the same verified person; `duration_hours` for a
sanction that ends by itself), the undo endpoints, the Admin::Account
entity (never any legal identity: `identity_verified` is a yes or no),
and follower bursts (article 7(7)).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from federation import moderation_out
from federation.emit import after_commit
from node import routing
from node.api.path_ids import id_param, parse_id, path_id
from node.auth import Auth, authenticated
from node.entities.account import serialize_account
from node.errors import forbidden, invalid_param, not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.pagination import read_limit
from node.params import Params, read_params
from policy import sanctions as policy
from policy.sanctions import Sanction, SanctionError
from storage import accounts, identities, reports
from storage import sanctions as store
from storage.accounts import AccountRow, UserRow
from storage.clock import iso, now
from storage.notifications import notify
from storage.sanctions import SanctionRow

READ = ("admin:read", "admin:read:accounts")
WRITE = ("admin:write", "admin:write:accounts")
MAX_DURATION_HOURS = 24 * 365 * 100  # a timed sanction longer than this is a permanent one
_ROLES = {"user": ("-99", ""), "moderator": ("2", "Moderator"), "admin": ("3", "Admin")}


def serialize_admin_account(account: AccountRow, user: UserRow | None, verified: bool,
                            config: Any) -> dict[str, Any]:
    role = user.role if user else "user"
    role_id, name = _ROLES[role]
    return {
        "id": str(account.id), "username": account.username, "domain": account.domain,
        "created_at": account.created_at, "email": user.email if user else None, "ip": None, "ips": [],
        "locale": user.locale if user else None, "invite_request": None,
        "role": {"id": role_id, "name": name, "permissions": "0" if role == "user" else "1", "color": "",
                 "highlighted": role != "user"},
        "confirmed": user is not None, "approved": bool(user.approved) if user else True,
        "disabled": bool(user.disabled) if user else False, "sensitized": bool(account.sensitized_at),
        "silenced": bool(account.silenced_at), "suspended": bool(account.suspended_at),
        "posting_revoked": bool(user and user.posting_revoked_at), "identity_verified": verified,
        "account": serialize_account(account, config),
        "created_by_application_id": None, "invited_by_account_id": None,
    }


async def admin_accounts_by_id(app: web.Application, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Admin::Account entities for `ids`, in batches."""
    db, config = app[DB], app[CONFIG]
    rows = await accounts.get_accounts(db, [i for i in ids if i])
    out = {}
    for account_id, account in rows.items():
        user = await accounts.get_user(db, account_id) if account.local else None
        verified = await identities.get_identity(db, account_id) is not None
        out[account_id] = serialize_admin_account(account, user, verified, config)
    return out


async def _account(request: web.Request) -> AccountRow:
    found = await accounts.get_account(request.app[DB], path_id(request))
    if found is None:
        raise not_found()
    return found


@authenticated(*READ, staff=True)
async def list_accounts(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/admin/accounts (v1 filters)"""
    q = request.query
    flags = {k: q.get(k, "").lower() in ("1", "true") for k in
             ("local", "remote", "active", "suspended", "silenced", "disabled", "sensitized", "staff")}
    query = store.AccountQuery(**flags, username=q.get("username") or None,
                               limit=read_limit(request, 100, 200), max_id=id_param(q.get("max_id")))
    ids = await store.admin_account_ids(request.app[DB], query)
    found = await admin_accounts_by_id(request.app, ids)
    return web.json_response([found[i] for i in ids if i in found])


@authenticated(*READ, staff=True)
async def show_account(request: web.Request, auth: Auth) -> web.Response:
    account = await _account(request)
    return web.json_response((await admin_accounts_by_id(request.app, [account.id]))[account.id])


def sanction_from(params: Params) -> Sanction:
    hours = params.int("duration_hours", maximum=MAX_DURATION_HOURS)
    report = id_param(params.str("report_id"))
    return Sanction(action=params.str("type") or "none", text=(params.str("text") or params.str("warning_text")
                    or "").strip(), report_id=report, duration_hours=hours, scope=params.str("scope") or "account")


async def _targets(app: web.Application, account: AccountRow, scope: str) -> tuple[list[int], str | None]:
    """The account alone, or every local account of its verified person."""
    if scope != "identity":
        return [account.id], None
    row = await identities.get_identity(app[DB], account.id)
    if row is None:
        raise unprocessable("Validation failed: this account has no verified identity to sanction")
    return sorted(await identities.accounts_with_subject(app[DB], row.subject_hash)), row.subject_hash


async def _check_target(app: web.Application, actor: AccountRow, actor_is_admin: bool,
                        account: AccountRow, action: str) -> None:
    if account.id == actor.id:
        raise forbidden("You cannot sanction your own account")
    user = await accounts.get_user(app[DB], account.id) if account.local else None
    if user is not None and user.role in ("admin", "moderator") and not actor_is_admin:
        raise forbidden("Only admins may sanction staff")
    if action in ("disable", "revoke_posting") and not account.local:
        raise unprocessable(f"Validation failed: {action} applies to local accounts only")


async def take_action(app: web.Application, actor: AccountRow, account_id: int, sanction: Sanction, *,
                      actor_is_admin: bool) -> None:
    """Validate and apply a sanction (and notify each target), as the admin API does."""
    account = await accounts.get_account(app[DB], account_id)
    if account is None:
        raise not_found()
    try:
        policy.validate(sanction)
    except SanctionError as exc:
        raise unprocessable(f"Validation failed: {exc}") from None
    await _check_target(app, actor, actor_is_admin, account, sanction.action)
    if sanction.report_id and await reports.get_report(app[DB], sanction.report_id) is None:
        raise unprocessable("Validation failed: report_id is not a report")
    targets, subject = await _targets(app, account, sanction.scope)
    await _apply(app, actor, sanction, targets, subject)


@authenticated(*WRITE, staff=True)
async def action(request: web.Request, auth: Auth) -> web.Response:
    """POST /api/v1/admin/accounts/:id/action"""
    assert auth.account is not None
    account = await _account(request)
    sanction = sanction_from(await read_params(request))
    await take_action(request.app, auth.account, account.id, sanction, actor_is_admin=auth.is_admin)
    return web.json_response({})


async def _apply(app: web.Application, actor: AccountRow, sanction: Sanction, targets: list[int],
                 subject: str | None) -> None:
    moment = now()
    async with app[DB].write() as w:
        rows = await policy.apply(w, app[IDS], sanction, targets, actor=actor.acct(),
                                  actor_account_id=actor.id, subject_hash=subject, now=moment)
        if sanction.report_id:
            await reports.set_resolved(w, sanction.report_id, actor.id)
        for row in rows:
            await notify(w, app[IDS], row.account_id, actor.id, "moderation_warning", None,
                         extra={"moderation_warning": serialize_warning(row)})
    await federate_sanction(app, sanction.action, targets)


async def federate_sanction(app: web.Application, action: str, account_ids: list[int]) -> None:
    """After the commit: a local account's suspension reaches its peers as a
    Delete of the actor. Every other action, and any action on a remote
    account, stays on this node (moderation_out sends nothing for those)."""
    if action == "suspend":
        for account_id in account_ids:
            await after_commit(app, moderation_out.account_suspended, account_id)


async def federate_lift(app: web.Application, undo: str, account_id: int) -> None:
    """After the commit: a lifted suspension reaches the peers as an Update of the actor."""
    if undo == "unsuspend":
        await after_commit(app, moderation_out.account_unsuspended, account_id)


def serialize_warning(row: SanctionRow) -> dict[str, Any]:
    """Mastodon's AccountWarning (target_account left out: it is the reader)."""
    action = {"revoke_posting": "none"}.get(row.action, row.action)
    return {"id": str(row.id), "action": action, "text": row.text, "status_ids": [],
            "target_account": None, "appeal": None, "created_at": row.created_at,
            "expires_at": row.expires_at, "extension_action": row.action}


async def lift_sanction(app: web.Application, actor: AccountRow, account_id: int, undo: str) -> None:
    """An undo (`unsuspend`, `restore_posting`...), audited by `policy.sanctions.lift`."""
    if undo not in policy.UNDO:
        raise unprocessable(f"Validation failed: undo must be one of {', '.join(policy.UNDO)}")
    if await accounts.get_account(app[DB], account_id) is None:
        raise not_found()
    async with app[DB].write() as w:
        await policy.lift(w, undo, account_id, actor=actor.acct())
    await federate_lift(app, undo, account_id)


def _undo_handler(undo: str) -> routing.Handler:
    @authenticated(*WRITE, staff=True)
    async def handler(request: web.Request, auth: Auth) -> web.Response:
        assert auth.account is not None
        account_id = path_id(request)
        await lift_sanction(request.app, auth.account, account_id, undo)
        return web.json_response((await admin_accounts_by_id(request.app, [account_id]))[account_id])

    return handler


def _number(request: web.Request, name: str, default: int) -> int:
    text = request.query.get(name, "").strip()
    if not text:
        return default
    number = parse_id(text)
    if number is None:
        raise invalid_param(name, "must be a whole number")
    return number


@authenticated(*READ, staff=True)
async def follower_bursts(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/admin/follower_bursts?hours=24&min=20"""
    hours = max(1, min(_number(request, "hours", 24), 24 * 30))
    minimum = max(1, _number(request, "min", 20))
    moment = now()
    rows = await store.follower_bursts(request.app[DB], iso(moment - dt.timedelta(hours=hours)),
                                       iso(moment - dt.timedelta(days=7)), minimum, read_limit(request, 40, 200))
    found = await admin_accounts_by_id(request.app, [r.account_id for r in rows])
    return web.json_response([{"account": found.get(r.account_id), "follows": r.total, "suspicious": r.suspicious,
                               "from_new_accounts": r.from_new, "from_unverified_accounts": r.from_unverified,
                               "from_same_identity": r.from_same_identity} for r in rows])


def routes() -> list[web.RouteDef]:
    base = "/api/v1/admin/accounts"
    return [
        routing.get(base, list_accounts),
        routing.get(f"{base}/{{id}}", show_account),
        routing.post(f"{base}/{{id}}/action", action),
        *[routing.post(f"{base}/{{id}}/{undo}", _undo_handler(undo)) for undo in policy.UNDO],
        routing.get("/api/v1/admin/follower_bursts", follower_bursts),
    ]
