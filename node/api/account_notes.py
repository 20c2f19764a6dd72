"""`POST /api/v1/accounts/:id/note`: a private note on an account, shown
only to its author as the Relationship's `note` (Mastodon 3.2). A blank
`comment` removes it; more than 2,000 characters is 422, as Mastodon's
AccountNote validation."""

from __future__ import annotations

from aiohttp import web

from node import routing
from node.api.accounts import listed_or_404
from node.api.relationships import relationship_response
from node.auth import Auth, authenticated
from node.errors import unprocessable
from node.keys import DB, IDS
from node.params import read_params
from storage import account_notes

MAX_COMMENT = 2000


@authenticated("write", "write:accounts")
async def set_note(request: web.Request, auth: Auth) -> web.Response:
    target = await listed_or_404(request)
    comment = ((await read_params(request)).str("comment") or "").strip()
    if len(comment) > MAX_COMMENT:
        raise unprocessable(f"Validation failed: Comment is too long (maximum is {MAX_COMMENT} characters)")
    await account_notes.set_note(request.app[DB], request.app[IDS], auth.account_id, target.id, comment)
    return await relationship_response(request, auth.account_id, target.id)


def routes() -> list[web.RouteDef]:
    return [routing.post("/api/v1/accounts/{id}/note", set_note)]
