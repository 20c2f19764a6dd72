"""`/settings/migration`: move this account to another one (issue #16).

As Mastodon's settings/migrations and MoveService: with the password, the
person names the new account as `user@host`; it must be a local account
or one on a permitted peer, and must name this account in its
`alsoKnownAs` now (fetched again). Then, in one transaction, this account
points at the new one (`moved_to_id`, the move kept for the 30-day
cooldown) with an audit record; after it commits the actor's `Update`
(with `movedTo`) and a signed `Move` go to the followers' permitted
peers, and every local follower follows the new account instead
(`federation.moving`). A moved account no longer posts (`node.gate`).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from aiohttp import web

from federation import emit
from federation.context import FEDERATION
from federation.emit import EMITTER
from federation.move_address import find_account
from federation.moving import MoveError, checked_target, redirect_followers, send_move
from node import html, routing, sessions
from node.audit_log import audit
from node.i18n import _
from node.keys import CONFIG, DB, IDS
from node.move_errors import refusal
from node.passwords import verify_password
from storage import account_moves, accounts
from storage.accounts import AccountRow
from storage.clock import now, parse

PATH = "/settings/migration"
COOLDOWN = dt.timedelta(days=30)  # as Mastodon: one move a month


async def _page(request: web.Request, account: AccountRow, *, error: str = "", status: int = 200) -> web.StreamResponse:
    db = request.app[DB]
    moved = await accounts.get_account(db, account.moved_to_id) if account.moved_to_id else None
    body = html.render("migration.html", username=account.username, error=error,
                       moved_to=moved.acct() if moved and moved.domain else moved.username if moved else "",
                       moved_url=(moved.url or moved.uri) if moved else "",
                       next_move=await _next_move(request, account), csrf=await sessions.csrf_token(request))
    return sessions.finish(request, html.page(request.app[CONFIG], _("Move to another account"), body,
                                              status=status))


async def _next_move(request: web.Request, account: AccountRow) -> str:
    """The day the cooldown of the last move ends, '' when it has."""
    last = await account_moves.last_move(request.app[DB], account.id)
    until = parse(last.created_at) + COOLDOWN if last else None
    return until.date().isoformat() if until and until > now() else ""


async def settings_page(request: web.Request) -> web.StreamResponse:
    """GET /settings/migration"""
    return await _page(request, await sessions.signed_in(request, PATH))


async def _password_right(request: web.Request, account: AccountRow, password: object) -> bool:
    user = await accounts.get_user(request.app[DB], account.id)
    return user is not None and isinstance(password, str) and \
        await asyncio.to_thread(verify_password, user.password_hash, password)


async def move(request: web.Request) -> web.StreamResponse:
    """POST /settings/migration: `acct` (user@host) and `password`."""
    account = await sessions.signed_in(request, PATH)
    form = await request.post()
    await sessions.check_csrf(request, form)
    app = request.app
    if not await _password_right(request, account, form.get("password")):
        return await _page(request, account, error=_("The password is not right."), status=422)
    if await _next_move(request, account):
        return await _page(request, account, error=_("This account moved less than 30 days ago."), status=422)
    fed, domain, acct = app.get(FEDERATION), app[CONFIG].node.domain, form.get("acct")
    try:
        found = await find_account(app[DB], fed, domain, acct if isinstance(acct, str) else "")
        target = await checked_target(app[DB], fed, domain, account, found.uri)
    except MoveError as exc:
        status, message = refusal(exc)
        return await _page(request, account, error=message, status=status)
    await _carry_out(app, account, target)
    moved = await accounts.get_account(app[DB], account.id)
    assert moved is not None
    return await _page(request, moved)


async def _carry_out(app: web.Application, account: AccountRow, target: AccountRow) -> None:
    """Point at the new account, tell the followers' peers, move the local followers."""
    address = target.acct() if target.domain else f"{target.username}@{app[CONFIG].node.domain}"
    async with app[DB].write() as w:
        await account_moves.record_move(w, app[IDS], account.id, target.id, address)
        await audit(w, account, "account.moved", ("account", account.id), {"target": target.uri})
    await emit.after_commit(app, emit.profile_updated, account.id)  # movedTo in the actor
    await emit.after_commit(app, send_move, account, target)
    await redirect_followers(app[DB], app[IDS], app.get(EMITTER), account, target)


def routes() -> list[web.RouteDef]:
    return [routing.get(PATH, settings_page), routing.post(PATH, move)]
