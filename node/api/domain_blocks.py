"""A user's domain blocks: `GET/POST/DELETE /api/v1/domain_blocks`.

As Mastodon: the list is bare domain strings, newest block first, paged
on the block id with a `Link` header (default 100, at most 200); POST and
DELETE take `domain` and answer `{}`. A block's effects are in
`storage.domain_blocks`; what it sends to peers (Undo Follow, Reject) in
`federation.domain_block_emit`. The domain is a host as the permit
registry writes it (lower case, IDNA, default port dropped), so
`Example.COM` and `example.com` are one block.
"""

from __future__ import annotations

from aiohttp import web

from federation import emit
from federation.domain_block_emit import domain_blocked
from node import routing
from node.auth import Auth, authenticated
from node.errors import unprocessable
from node.keys import CONFIG, DB, IDS
from node.pagination import paginate_list, read_page
from node.params import read_params
from policy.permits import PermitError, normalise_host
from storage import domain_blocks

READ = ("follow", "read", "read:blocks")
WRITE = ("follow", "write", "write:blocks")
DEFAULT_LIMIT, MAX_LIMIT = 100, 200


async def _domain(request: web.Request) -> str:
    text = ((await read_params(request)).str("domain") or "").strip().removesuffix("/")
    if not text:
        raise unprocessable("Validation failed: Domain can't be blank")
    try:
        domain = normalise_host(text)
    except PermitError:
        raise unprocessable("Validation failed: Domain is invalid") from None
    if domain == request.app[CONFIG].node.domain.lower():
        raise unprocessable("Validation failed: Domain is this node's own")
    return domain


@authenticated(*READ)
async def list_blocks(request: web.Request, auth: Auth) -> web.Response:
    page = read_page(request, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)
    rows = await domain_blocks.domain_block_page(request.app[DB], auth.account_id, page)
    return web.json_response([d for _, d in rows], headers=paginate_list(request, page, [i for i, _ in rows]))


@authenticated(*WRITE)
async def block(request: web.Request, auth: Auth) -> web.Response:
    domain = await _domain(request)
    result = await domain_blocks.block_domain(request.app[DB], request.app[IDS], auth.account_id, domain)
    if result.unfollowed or result.rejected:
        await emit.after_commit(request.app, domain_blocked, auth.account_id, result)  # Undo Follow, Reject
    return web.json_response({})


@authenticated(*WRITE)
async def unblock(request: web.Request, auth: Auth) -> web.Response:
    await domain_blocks.unblock_domain(request.app[DB], auth.account_id, await _domain(request))
    return web.json_response({})


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/domain_blocks", list_blocks),
        routing.post("/api/v1/domain_blocks", block),
        routing.delete("/api/v1/domain_blocks", unblock),
    ]
