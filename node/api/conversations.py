"""Direct-message conversations: `GET /api/v1/conversations`,
`DELETE /api/v1/conversations/:id`, `POST /api/v1/conversations/:id/read`.

Rows are kept by `storage.conversations` as direct statuses are published
(locally or by a peer); `render_conversations` makes Mastodon's
Conversation entity, and the streaming `conversation` event uses it too.
The other participants are `accounts` (oneself for notes to self, as
Mastodon); `last_status` is null when the viewer can no longer see it
(a block, a suspension).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from node import routing
from node.api.path_ids import path_id
from node.auth import Auth, authenticated
from node.entities.account import serialize_account
from node.entities.status import render_statuses
from node.errors import not_found
from node.keys import CONFIG, DB
from node.pagination import paginate, read_page
from storage import accounts, statuses
from storage import conversations as store
from storage.conversations import ConversationRow

READ = ("read", "read:statuses")
WRITE = ("write", "write:conversations")
DEFAULT_LIMIT, MAX_LIMIT = 20, 40


async def render_conversations(app: web.Application, rows: Sequence[ConversationRow],
                               viewer_id: int) -> list[dict[str, Any]]:
    """Conversation entities: participants and last statuses in a query each."""
    db, config = app[DB], app[CONFIG]
    wanted = {i for r in rows for i in (r.participants or [viewer_id])}
    found = await accounts.get_accounts(db, list(wanted))
    last = await statuses.visible_statuses(db, await statuses.get_statuses(db, [r.last_status_id for r in rows]),
                                           viewer_id)
    rendered = dict(zip([s.id for s in last], await render_statuses(app, last, viewer_id)))
    return [{"id": str(r.id), "unread": bool(r.unread),
             "accounts": [serialize_account(found[i], config) for i in (r.participants or [viewer_id])
                          if i in found],
             "last_status": rendered.get(r.last_status_id)} for r in rows]


async def _own(request: web.Request, auth: Auth) -> ConversationRow:
    row = await store.get_own(request.app[DB], path_id(request), auth.account_id)
    if row is None:
        raise not_found()
    return row


@authenticated(*READ)
async def list_conversations(request: web.Request, auth: Auth) -> web.Response:
    rows = await store.list_for(request.app[DB], auth.account_id,
                                read_page(request, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT))
    body = await render_conversations(request.app, rows, auth.account_id)
    return web.json_response(body, headers=paginate(request, [r.last_status_id for r in rows]))


@authenticated(*WRITE)
async def remove_conversation(request: web.Request, auth: Auth) -> web.Response:
    """Removed from the list (the statuses stay); a new message brings it back."""
    row = await _own(request, auth)
    async with request.app[DB].write() as w:
        await store.remove(w, row.id)
    return web.json_response({})


@authenticated(*WRITE)
async def read_conversation(request: web.Request, auth: Auth) -> web.Response:
    row = await _own(request, auth)
    async with request.app[DB].write() as w:
        await store.mark_read(w, row.id)
        updated = await store.get_own(w, row.id, auth.account_id)
    assert updated is not None
    return web.json_response((await render_conversations(request.app, [updated], auth.account_id))[0])


def routes() -> list[web.RouteDef]:
    base = "/api/v1/conversations"
    return [
        routing.get(base, list_conversations),
        routing.delete(f"{base}/{{id}}", remove_conversation),
        routing.post(f"{base}/{{id}}/read", read_conversation),
    ]
