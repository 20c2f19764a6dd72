"""What a user does to a status: favourite, boost, bookmark, mute its
thread, pin; and who favourited or boosted it.

Each action answers with the (original) status as the actor now sees it,
as Mastodon does; acting on a boost acts on the boosted status.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from federation import emit
from federation.urls import Urls
from node import gate, routing
from node.api.path_ids import path_id
from node.api.statuses import visible_or_404
from node.auth import Auth, authenticated, optional_auth
from node.entities.account import serialize_account
from node.entities.status import render_status
from node.errors import forbidden, not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.params import read_params
from node.streaming.port import stream_of
from node.pagination import paginate, read_page
from storage import accounts, interactions, status_writes, statuses, timelines
from storage.database import Writer
from storage.status_writes import NewStatus
from storage.statuses import StatusRow

MAX_PINS = 5
REBLOG_VISIBILITIES = ("public", "unlisted", "private")

Action = Callable[[Writer, web.Application, int, StatusRow], Awaitable[None]]
Emit = Callable[[emit.Emitter, int, int], Awaitable[emit.Plan]]  # (actor id, status id), after commit


async def _target(request: web.Request, auth: Auth) -> StatusRow:
    """The visible status named in the path; a boost stands for its original."""
    row = await visible_or_404(request, auth.account_id)
    if row.reblog_of_id is not None:
        original = await statuses.status_for_viewer(request.app[DB], row.reblog_of_id, auth.account_id)
        if original is None:
            raise not_found()
        return original
    return row


async def _respond(request: web.Request, auth: Auth, status_id: int) -> web.Response:
    row = await statuses.get_status(request.app[DB], status_id)
    if row is None:
        raise not_found()
    return web.json_response(await render_status(request.app, row, auth.account_id))


async def _act(request: web.Request, auth: Auth, action: Action, federate: Emit | None = None) -> web.Response:
    row = await _target(request, auth)
    async with request.app[DB].write() as w:
        await action(w, request.app, auth.account_id, row)
    if federate is not None:
        await emit.after_commit(request.app, federate, auth.account_id, row.id)
    return await _respond(request, auth, row.id)


def _handler(scope: str, action: Action,
             federate: Emit | None = None) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    @authenticated("write", scope)
    async def handle(request: web.Request, auth: Auth) -> web.Response:
        return await _act(request, auth, action, federate)

    return handle


async def _favourite(w: Writer, app: web.Application, account_id: int, row: StatusRow) -> None:
    await interactions.favourite(w, app[IDS], account_id, row)


async def _unfavourite(w: Writer, app: web.Application, account_id: int, row: StatusRow) -> None:
    await interactions.unfavourite(w, account_id, row.id)


async def _bookmark(w: Writer, app: web.Application, account_id: int, row: StatusRow) -> None:
    await interactions.bookmark(w, app[IDS], account_id, row.id)


async def _unbookmark(w: Writer, app: web.Application, account_id: int, row: StatusRow) -> None:
    await interactions.unbookmark(w, account_id, row.id)


async def _mute(w: Writer, app: web.Application, account_id: int, row: StatusRow) -> None:
    await interactions.mute_conversation(w, account_id, row.conversation_id or row.id)


async def _unmute(w: Writer, app: web.Application, account_id: int, row: StatusRow) -> None:
    await interactions.unmute_conversation(w, account_id, row.conversation_id or row.id)


async def _unpin(w: Writer, app: web.Application, account_id: int, row: StatusRow) -> None:
    await interactions.unpin(w, account_id, row.id)


async def _pin(w: Writer, app: web.Application, account_id: int, row: StatusRow) -> None:
    """StatusPinValidator's rules and messages."""
    if row.account_id != account_id:
        raise unprocessable("Validation failed: Someone else's post cannot be pinned")
    if row.visibility == "direct":
        raise unprocessable("Validation failed: Posts that are only visible to mentioned users cannot be pinned")
    if not row.published:
        raise unprocessable("Validation failed: A post held for review cannot be pinned")
    if await interactions.pin_count(w, account_id) >= MAX_PINS:
        raise unprocessable("Validation failed: You have already pinned the maximum number of posts")
    await interactions.pin(w, app[IDS], account_id, row.id)


def _check_reblog(row: StatusRow, auth: Auth) -> None:
    """StatusPolicy#reblog?: no direct posts, private only by their author."""
    owned = row.account_id == auth.account_id
    if row.visibility == "direct" or (row.visibility == "private" and not owned) or not row.published:
        raise forbidden("This action is not allowed")


def _reblog_visibility(row: StatusRow, requested: str | None, default: str | None) -> str:
    """ReblogService: a boost of a private status stays private; otherwise
    the visibility asked for, else the user's default."""
    if row.visibility == "private":
        return "private"
    for choice in (requested, default):
        if choice in REBLOG_VISIBILITIES:
            return choice
    return "public"


def _reblog_row(app: web.Application, auth: Auth, row: StatusRow, visibility: str, held: bool) -> NewStatus:
    status_id = app[IDS].next_id()
    assert auth.account is not None
    uri = Urls.of(app[CONFIG].node.base_url).status(auth.account.username, status_id) + "/activity"
    return NewStatus(id=status_id, account_id=auth.account_id, uri=uri, url=uri, text="", content="",
                     visibility=visibility, reblog_of_id=row.id, application_id=auth.app_id,
                     state="pending" if held else "published")


async def _store_reblog(app: web.Application, new: NewStatus, original: StatusRow) -> int:
    async with app[DB].write() as w:
        existing = await status_writes.reblog_id(w, new.account_id, original.id)
        if existing is not None:  # a concurrent request boosted first
            return existing
        row = await status_writes.insert_status(w, new)
        if row.published:
            await status_writes.publish_effects(w, app[IDS], row, "")
            await status_writes.notify_about(w, app[IDS], original.account_id, new.account_id, "reblog", row)
    return new.id


@authenticated("write", "write:statuses")
async def reblog(request: web.Request, auth: Auth) -> web.Response:
    row = await _target(request, auth)
    _check_reblog(row, auth)
    existing = await statuses.find_reblog(request.app[DB], auth.account_id, row.id)
    if existing is not None:
        return await _respond(request, auth, existing.id)
    requested = (await read_params(request)).str("visibility")
    visibility = _reblog_visibility(row, requested, auth.user.default_visibility if auth.user else None)
    assert auth.account is not None
    vetting = await gate.vet_publication(
        request.app, auth.account, [("status", row.text), ("spoiler_text", row.spoiler_text)], kind="reblog")
    new = _reblog_row(request.app, auth, row, visibility, vetting.held)
    reblog_id = await _store_reblog(request.app, new, row)
    await emit.after_commit(request.app, emit.reblogged, reblog_id)  # federation: after the commit
    stream_of(request.app).status_created(reblog_id)
    return await _respond(request, auth, reblog_id)


@authenticated("write", "write:statuses")
async def unreblog(request: web.Request, auth: Auth) -> web.Response:
    """Removes the actor's boost; answers with the original, now unboosted."""
    db = request.app[DB]
    named = await statuses.get_status(db, path_id(request))
    original_id = (named.reblog_of_id or named.id) if named is not None else None
    mine = await statuses.find_reblog(db, auth.account_id, original_id) if original_id else None
    if mine is None or original_id is None:
        row = await _target(request, auth)
        return await _respond(request, auth, row.id)
    async with db.write() as w:
        current = await status_writes.read_status(w, mine.id)
        if current is not None:
            await status_writes.delete_status(w, current)
    if current is not None:
        await emit.after_commit(request.app, emit.unreblogged, current)  # federation: after the commit
        stream_of(request.app).status_deleted(current)
    return await _respond(request, auth, original_id)


async def _accounts_page(request: web.Request, pairs: list[tuple[int, int]]) -> web.Response:
    found = await accounts.get_accounts(request.app[DB], [a for _, a in pairs])
    config = request.app[CONFIG]
    body = [serialize_account(found[a], config) for _, a in pairs if a in found]
    return web.json_response(body, headers=paginate(request, [p for p, _ in pairs]))


@optional_auth("read", "read:accounts")
async def favourited_by(request: web.Request, auth: Auth | None) -> web.Response:
    row = await visible_or_404(request, auth.account_id if auth and auth.account else None)
    page = read_page(request, default_limit=40, max_limit=80)
    return await _accounts_page(request, await timelines.favourited_by_pairs(request.app[DB], row.id, page))


@optional_auth("read", "read:accounts")
async def reblogged_by(request: web.Request, auth: Auth | None) -> web.Response:
    row = await visible_or_404(request, auth.account_id if auth and auth.account else None)
    page = read_page(request, default_limit=40, max_limit=80)
    return await _accounts_page(request, await timelines.reblogged_by_pairs(request.app[DB], row.id, page))


def routes() -> list[web.RouteDef]:
    base = "/api/v1/statuses/{id}"
    return [
        routing.post(f"{base}/favourite", _handler("write:favourites", _favourite, emit.favourited)),
        routing.post(f"{base}/unfavourite", _handler("write:favourites", _unfavourite, emit.unfavourited)),
        routing.post(f"{base}/bookmark", _handler("write:bookmarks", _bookmark)),
        routing.post(f"{base}/unbookmark", _handler("write:bookmarks", _unbookmark)),
        routing.post(f"{base}/mute", _handler("write:mutes", _mute)),
        routing.post(f"{base}/unmute", _handler("write:mutes", _unmute)),
        routing.post(f"{base}/pin", _handler("write:accounts", _pin)),
        routing.post(f"{base}/unpin", _handler("write:accounts", _unpin)),
        routing.post(f"{base}/reblog", reblog),
        routing.post(f"{base}/unreblog", unreblog),
        routing.get(f"{base}/favourited_by", favourited_by),
        routing.get(f"{base}/reblogged_by", reblogged_by),
    ]
