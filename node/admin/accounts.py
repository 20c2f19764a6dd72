"""Accounts and sanctions (articles 7(8), 14): search, show, act, undo.

Actions are `node.api.admin_accounts.take_action` and `lift_sanction`,
the admin API's own: the same validation (own account, staff only by
admins, local-only actions), notifications and audit records.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import (attempt, back, error_message, field, link, params_of, post_form, read_form,
                               require_staff, show, table)
from node.api.admin_accounts import admin_accounts_by_id, lift_sanction, sanction_from, take_action
from node.api.path_ids import path_id
from node.html import Markup, escape
from node.keys import DB
from policy.sanctions import UNDO
from storage import sanctions as store
from storage.sanctions import ACTIONS

PAGE = 50
_FLAGS = (("suspended", "unsuspend"), ("silenced", "unsilence"), ("sensitized", "unsensitive"),
          ("disabled", "enable"), ("posting_revoked", "restore_posting"))


def _state(entity: dict[str, Any]) -> str:
    return ", ".join(flag for flag, _ in _FLAGS if entity.get(flag)) or "no sanctions in force"


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/accounts?username=ali"""
    staff = await require_staff(request)
    username = request.query.get("username", "").strip()
    ids = await store.admin_account_ids(request.app[DB], store.AccountQuery(username=username or None, limit=PAGE))
    found = await admin_accounts_by_id(request.app, ids)
    rows = [(link(f"/admin/accounts/{i}", "@" + found[i]["account"]["acct"]), found[i]["role"]["name"] or "user",
             "yes" if found[i]["identity_verified"] else "no", _state(found[i]), found[i]["created_at"])
            for i in ids if i in found]
    search = Markup('<form method="get" action="/admin/accounts"><label for="username">Username starts with</label>'
                    f'<input type="text" id="username" name="username" value="{escape(username)}">'
                    '<button type="submit">Search</button></form>')
    body = Markup(search + table(("account", "role", "identity verified", "state", "created"), rows, "No accounts."))
    return await show(request, staff, "Accounts", body)


def _action_form(account_id: int, csrf: str) -> Markup:
    options = "".join(f'<option value="{a}">{a}</option>' for a in ACTIONS)
    return html.render("admin_account_action.html", id=account_id, csrf=csrf, options=Markup(options))


def _undo_forms(account_id: int, entity: dict[str, Any], csrf: str) -> Markup:
    forms = [post_form(f"/admin/accounts/{account_id}/undo", csrf, f"Undo: {undo}",
                       Markup(f'<input type="hidden" name="undo" value="{undo}">'))
             for flag, undo in _FLAGS if entity.get(flag)]
    return Markup("".join(forms))


async def show_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/accounts/{id}"""
    staff = await require_staff(request)
    account_id = path_id(request)
    entity = (await admin_accounts_by_id(request.app, [account_id])).get(account_id)
    if entity is None:
        raise sessions.error_page(request, 404, "Not found", "No such account.")
    rows = await store.sanctions_of(request.app[DB], account_id)
    csrf = await sessions.csrf_token(request)
    history = table(("action", "text", "scope", "report", "created", "expires", "lifted"),
                    [(r.action, r.text, r.scope, r.report_id or "", r.created_at, r.expires_at or "",
                      r.lifted_at or "") for r in rows], "No sanctions on record.")
    body = html.render("admin_account.html", acct="@" + entity["account"]["acct"], id=account_id,
                       role=entity["role"]["name"] or "user", state=_state(entity),
                       verified="yes" if entity["identity_verified"] else "no", created_at=entity["created_at"],
                       history=history, undo=_undo_forms(account_id, entity, csrf),
                       action=_action_form(account_id, csrf))
    return await show(request, staff, "@" + entity["account"]["acct"], body)


async def act(request: web.Request) -> web.StreamResponse:
    """POST /admin/accounts/{id}/action: type, text, duration_hours, scope, report_id."""
    staff, form = await read_form(request)
    account_id = path_id(request)
    here = f"/admin/accounts/{account_id}"
    try:
        sanction = sanction_from(params_of(form))
    except web.HTTPException as exc:  # a duration that is not a number
        return back(request, here, error=error_message(exc))
    _, error = await attempt(take_action(request.app, staff.account, account_id, sanction,
                                         actor_is_admin=staff.is_admin))
    return back(request, here, error=error, notice=f"Action {sanction.action} taken.")


async def undo(request: web.Request) -> web.StreamResponse:
    """POST /admin/accounts/{id}/undo {undo}"""
    staff, form = await read_form(request)
    account_id, name = path_id(request), field(form, "undo")
    _, error = await attempt(lift_sanction(request.app, staff.account, account_id, name))
    return back(request, f"/admin/accounts/{account_id}", error=error,
                notice=f"{name} done." if name in UNDO else "")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/accounts", list_page),
        routing.get("/admin/accounts/{id}", show_page),
        routing.post("/admin/accounts/{id}/action", act),
        routing.post("/admin/accounts/{id}/undo", undo),
    ]
