"""`/settings/aliases`: the accounts this one says it also is (issue #16).

As Mastodon's settings/aliases: before an account elsewhere moves here,
its owner adds it here as `user@host`; the node resolves it (a local
account, or one on a permitted peer through WebFinger and a signed actor
fetch, the permit gate asked before anything is sent), keeps its actor id,
and serves it in this account's `alsoKnownAs`. Adding or removing one
sends an `Update` of the actor to the followers' permitted peers, and is
in the audit log.
"""

from __future__ import annotations

from aiohttp import web

from federation import emit
from federation.context import FEDERATION
from federation.move_address import find_account
from federation.moving import MoveError
from node import html, routing, sessions
from node.audit_log import audit
from node.i18n import _
from node.keys import CONFIG, DB, IDS
from node.move_errors import refusal
from storage import account_moves
from storage.accounts import AccountRow

PATH = "/settings/aliases"


async def _page(request: web.Request, account: AccountRow, *, error: str = "", notice: str = "",
                status: int = 200) -> web.StreamResponse:
    app = request.app
    body = html.render("aliases.html", username=account.username, error=error, notice=notice,
                       aliases=await account_moves.aliases_of(app[DB], account.id),
                       csrf=await sessions.csrf_token(request))
    return sessions.finish(request, html.page(app[CONFIG], _("Account aliases"), body, status=status))


async def settings_page(request: web.Request) -> web.StreamResponse:
    """GET /settings/aliases"""
    return await _page(request, await sessions.signed_in(request, PATH))


async def add_alias(request: web.Request) -> web.StreamResponse:
    """POST /settings/aliases: `acct` (user@host) becomes an alias."""
    account = await sessions.signed_in(request, PATH)
    form = await request.post()
    await sessions.check_csrf(request, form)
    app, acct = request.app, form.get("acct")
    try:
        found = await find_account(app[DB], app.get(FEDERATION), app[CONFIG].node.domain,
                                   acct if isinstance(acct, str) else "")
        if found.id == account.id:
            raise MoveError("same_account")
    except MoveError as exc:
        status, message = refusal(exc)
        return await _page(request, account, error=message, status=status)
    address = found.acct() if found.domain else f"{found.username}@{app[CONFIG].node.domain}"
    if await account_moves.add_alias(app[DB], app[IDS], account.id, address, found.uri):
        await audit(app, account, "account.alias_added", ("account", account.id), {"alias": found.uri})
        await emit.after_commit(app, emit.profile_updated, account.id)  # alsoKnownAs to the followers' peers
    return await _page(request, account, notice=_("%(acct)s is now an alias of this account.", acct=address))


async def remove_alias(request: web.Request) -> web.StreamResponse:
    """POST /settings/aliases/remove: `alias_id`."""
    account = await sessions.signed_in(request, PATH)
    form = await request.post()
    await sessions.check_csrf(request, form)
    app, alias_id = request.app, form.get("alias_id")
    number = int(alias_id) if isinstance(alias_id, str) and alias_id.isascii() and alias_id.isdigit() \
        and len(alias_id) < 19 else 0
    removed = await account_moves.remove_alias(app[DB], account.id, number)
    if removed is None:
        return await _page(request, account, error=_("No such alias."), status=404)
    await audit(app, account, "account.alias_removed", ("account", account.id), {"alias": removed.uri})
    await emit.after_commit(app, emit.profile_updated, account.id)
    return await _page(request, account, notice=_("%(acct)s is no longer an alias.", acct=removed.acct))


def routes() -> list[web.RouteDef]:
    return [routing.get(PATH, settings_page), routing.post(PATH, add_alias),
            routing.post(PATH + "/remove", remove_alias)]
