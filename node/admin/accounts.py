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
                               require_staff, role_name, show, table, yes_no)
from node.admin.identity import account_extras
from node.api.admin_accounts import admin_accounts_by_id, lift_sanction, sanction_from, take_action
from node.api.path_ids import path_id
from node.html import Markup, escape
from node.i18n import N_, _
from node.keys import DB
from policy.sanctions import UNDO
from storage import sanctions as store
from storage.sanctions import ACTIONS

PAGE = 50
_FLAGS = (("suspended", "unsuspend"), ("silenced", "unsilence"), ("sensitized", "unsensitive"),
          ("disabled", "enable"), ("posting_revoked", "restore_posting"))
# Mastodon's zh-CN words where it has them (封禁, 隐藏, 冻结, 敏感内容).
FLAG_NAMES = {"suspended": N_("suspended"), "silenced": N_("limited"), "sensitized": N_("sensitive"),
              "disabled": N_("disabled"), "posting_revoked": N_("posting revoked")}
UNDO_NAMES = {"unsuspend": N_("Lift the suspension"), "unsilence": N_("Lift the limit"),
              "unsensitive": N_("Remove the sensitive mark"), "enable": N_("Enable sign-in"),
              "restore_posting": N_("Restore posting")}
ACTION_NAMES = {"none": N_("Warn"), "sensitive": N_("Mark as sensitive"), "disable": N_("Disable sign-in"),
                "silence": N_("Limit"), "suspend": N_("Suspend"), "revoke_posting": N_("Revoke posting")}


def _state(entity: dict[str, Any]) -> str:
    return _(", ").join(_(FLAG_NAMES[flag]) for flag, _undo in _FLAGS if entity.get(flag)) or _("no sanctions in force")


def action_name(action: str) -> str:
    return _(ACTION_NAMES.get(action, action))


async def list_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/accounts?username=ali"""
    staff = await require_staff(request)
    username = request.query.get("username", "").strip()
    ids = await store.admin_account_ids(request.app[DB], store.AccountQuery(username=username or None, limit=PAGE))
    found = await admin_accounts_by_id(request.app, ids)
    rows = [(link(f"/admin/accounts/{i}", "@" + found[i]["account"]["acct"]),
             role_name(found[i]["role"]["name"] or "user"), yes_no(found[i]["identity_verified"]),
             _state(found[i]), found[i]["created_at"])
            for i in ids if i in found]
    label, button = escape(_("Username starts with")), escape(_("Search"))
    search = Markup('<form method="get" action="/admin/accounts">'
                    f'<label for="username">{label}</label>'
                    f'<input type="text" id="username" name="username" value="{escape(username)}">'
                    f'<button type="submit">{button}</button></form>')
    body = Markup(search + table((_("account"), _("role"), _("identity verified"), _("state"), _("created")),
                                 rows, _("No accounts.")))
    return await show(request, staff, _("Accounts"), body)


def _action_form(account_id: int, csrf: str) -> Markup:
    return html.render("admin_account_action.html", id=account_id, csrf=csrf,
                       options=[(a, action_name(a)) for a in ACTIONS])


def _undo_forms(account_id: int, entity: dict[str, Any], csrf: str) -> Markup:
    forms = [post_form(f"/admin/accounts/{account_id}/undo", csrf, _(UNDO_NAMES[undo]),
                       Markup(f'<input type="hidden" name="undo" value="{undo}">'))
             for flag, undo in _FLAGS if entity.get(flag)]
    return Markup("".join(forms))


async def show_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/accounts/{id}"""
    staff = await require_staff(request)
    account_id = path_id(request)
    entity = (await admin_accounts_by_id(request.app, [account_id])).get(account_id)
    if entity is None:
        raise sessions.error_page(request, 404, _("Not found"), _("No such account."))
    rows = await store.sanctions_of(request.app[DB], account_id)
    csrf = await sessions.csrf_token(request)
    history = table((_("action"), _("text"), _("scope"), _("report"), _("created"), _("expires"), _("lifted")),
                    [(action_name(r.action), r.text, r.scope, r.report_id or "", r.created_at, r.expires_at or "",
                      r.lifted_at or "") for r in rows], _("No sanctions on record."))
    body = html.render("admin_account.html", acct="@" + entity["account"]["acct"], id=account_id,
                       role=role_name(entity["role"]["name"] or "user"), state=_state(entity),
                       verified=yes_no(entity["identity_verified"]), created_at=entity["created_at"],
                       history=history, undo=_undo_forms(account_id, entity, csrf),
                       action=_action_form(account_id, csrf),
                       extra=await account_extras(request, staff, account_id, csrf))
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
    _result, error = await attempt(take_action(request.app, staff.account, account_id, sanction,
                                         actor_is_admin=staff.is_admin))
    return back(request, here, error=error, notice=_("Action taken: %(action)s.", action=action_name(sanction.action)))


async def undo(request: web.Request) -> web.StreamResponse:
    """POST /admin/accounts/{id}/undo {undo}"""
    staff, form = await read_form(request)
    account_id, name = path_id(request), field(form, "undo")
    _result, error = await attempt(lift_sanction(request.app, staff.account, account_id, name))
    return back(request, f"/admin/accounts/{account_id}", error=error,
                notice=_("Done: %(action)s.", action=_(UNDO_NAMES[name])) if name in UNDO else "")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/accounts", list_page),
        routing.get("/admin/accounts/{id}", show_page),
        routing.post("/admin/accounts/{id}/action", act),
        routing.post("/admin/accounts/{id}/undo", undo),
    ]
