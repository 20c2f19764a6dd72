"""Search v2: accounts, hashtags and statuses for one query.

As Mastodon: `q` is required; statuses are searched only for a signed-in
user, and only among statuses that user may see (own; published public or
unlisted by indexable accounts; followers-only from followed accounts;
those that mention the user); `offset` and `resolve` need a signed-in
user (401 otherwise) and `offset` applies only with `type`. Full text is
cut into words (Chinese with jieba, plus bigrams), so 微博 finds
北京市微博客发展; English matches case-insensitively.

Accounts match a prefix of the username or of a display-name word
(anywhere in a Chinese display name); `@user@domain` looks for exactly that
account, and with `resolve=true` an unknown remote one is looked up by
WebFinger on a permitted host only (`federation/resolve.py`; none found
otherwise). With `resolve=true` a URL names an account or status this
node knows, or else one fetched from a permitted host and stored (a web
page's address works too, as clients paste them).

`/api/v1/search` is not served: Mastodon removed it in 3.0 and it answers
404 there too; clients use v2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from federation.context import FEDERATION
from federation.resolve import refreshed, resolve_account, resolve_url
from node import routing
from node.api.path_ids import id_param
from node.auth import Auth, optional_auth
from node.entities.account import serialize_account
from node.entities.status import render_statuses
from node.entities.tag import render_tags
from node.errors import bad_request, unauthorized
from node.keys import CONFIG, DB
from node.pagination import read_limit
from node.params import Params, read_params
from storage import accounts, search, statuses, tag_queries

_URL = re.compile(r"\Ahttps?://\S+\Z", re.IGNORECASE)
TYPES = ("accounts", "hashtags", "statuses")


@dataclass(frozen=True, slots=True)
class _Search:
    q: str
    kind: str | None
    viewer_id: int | None
    limit: int
    offset: int
    params: Params

    def wants(self, kind: str) -> bool:
        return self.kind in (None, kind)


def _read(request: web.Request, params: Params, auth: Auth | None) -> _Search:
    q = (params.str("q") or "").strip()
    if not q:
        raise bad_request("param is missing or the value is empty: q")
    viewer = auth.account_id if auth and auth.account else None
    if viewer is None and params.str("offset"):
        raise unauthorized("Search queries pagination is not supported without authentication")
    if viewer is None and params.bool("resolve"):
        raise unauthorized("Search queries that resolve remote resources are not supported without authentication")
    kind = params.str("type") or None
    offset = max(0, params.int("offset", 0) or 0) if kind else 0
    return _Search(q, kind, viewer, read_limit(request, 20, 40), offset, params)


async def _accounts(request: web.Request, s: _Search) -> list[dict[str, Any]]:
    if s.q.startswith("#") or ("@" in s.q and " " in s.q):
        return []
    db, config = request.app[DB], request.app[CONFIG]
    following = bool(s.params.bool("following", False))
    handle = s.q.removeprefix("@")
    if "@" in handle:
        username, _, domain = handle.partition("@")
        local = domain.lower() == config.node.domain.lower()
        found = await accounts.find_account_by_acct(db, username, None if local else domain)
        fed = request.app.get(FEDERATION)
        if not local and s.params.bool("resolve") and s.offset == 0 and fed is not None:
            found = await (refreshed(fed, found) if found else resolve_account(fed, f"{username}@{domain}"))
        ids = [found.id] if found and s.offset == 0 else []
        ids = await search.visible_account_ids(db, ids, s.viewer_id, following)
    else:
        ids = await search.search_account_ids(db, search.AccountQuery(handle, s.viewer_id, following,
                                                                       s.limit, s.offset))
    rows = await accounts.get_accounts(db, ids)
    return [serialize_account(rows[i], config) for i in ids if i in rows]


async def _statuses(request: web.Request, s: _Search, ids: list[int] | None = None) -> list[dict[str, Any]]:
    if s.viewer_id is None:
        return []
    db = request.app[DB]
    if ids is None:
        ids = await search.search_visible_status_ids(db, search.StatusQuery(
            s.q, s.viewer_id, id_param(s.params.raw("account_id")), id_param(s.params.raw("max_id")),
            id_param(s.params.raw("min_id")), s.limit, s.offset))
    rows = await statuses.visible_statuses(db, await statuses.get_statuses(db, ids), s.viewer_id)
    return await render_statuses(request.app, rows, s.viewer_id)


async def _hashtags(request: web.Request, s: _Search) -> list[dict[str, Any]]:
    prefix = s.q.removeprefix("#").strip()
    if "@" in s.q or not prefix:
        return []
    rows = await tag_queries.search_tags(request.app[DB], prefix, s.limit, s.offset)
    return await render_tags(request.app, rows, s.viewer_id)


async def _by_url(request: web.Request, s: _Search) -> dict[str, Any]:
    """The account or status at this address (resolve=true): a known one,
    or one fetched from a permitted host (federation/resolve.py)."""
    account_ids, status_ids = await search.ids_at_url(request.app[DB], s.q)
    fed = request.app.get(FEDERATION)
    if not account_ids and not status_ids and fed is not None:
        found = await resolve_url(fed, s.q)
        if isinstance(found, accounts.AccountRow):
            account_ids = [found.id]
        elif found is not None:
            status_ids = [found.id]
    found_accounts: list[dict[str, Any]] = []
    if account_ids and s.wants("accounts"):
        visible = await search.visible_account_ids(request.app[DB], account_ids, s.viewer_id)
        rows = await accounts.get_accounts(request.app[DB], visible)
        found_accounts = [serialize_account(rows[i], request.app[CONFIG]) for i in visible if i in rows]
    found_statuses = await _statuses(request, s, status_ids) if s.wants("statuses") else []
    return {"accounts": found_accounts, "statuses": found_statuses, "hashtags": []}


@optional_auth("read", "read:search")
async def search_v2(request: web.Request, auth: Auth | None) -> web.Response:
    s = _read(request, await read_params(request), auth)
    if s.kind is not None and s.kind not in TYPES:
        return web.json_response({"accounts": [], "statuses": [], "hashtags": []})
    if s.params.bool("resolve") and _URL.match(s.q):
        return web.json_response(await _by_url(request, s))
    return web.json_response({
        "accounts": await _accounts(request, s) if s.wants("accounts") else [],
        "statuses": await _statuses(request, s) if s.wants("statuses") else [],
        "hashtags": await _hashtags(request, s) if s.wants("hashtags") else [],
    })


def routes() -> list[web.RouteDef]:
    return [routing.get("/api/v2/search", search_v2)]
