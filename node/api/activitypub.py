"""ActivityPub documents on the same URLs as the HTML pages, and the inboxes.

`Accept: application/activity+json` (or ld+json) gets JSON, anything else
the HTML page (with the permit footer). While federation is off (no permit
of our own) every JSON document and inbox answers 404; pages stay.

Secure mode (`[federation] secure_mode`, default on; article 7(6): no
information interface for unpermitted sites): every ActivityPub GET but
the instance actor (`/actor`) needs an HTTP signature from an actor on a
permitted peer: a signature by an unpermitted host is 403, a bad one 401.
An unsigned GET of an actor gets its key and inboxes only
(`vocab.key_only_actor`: what a peer's software needs to verify this
node's signatures and answer, nothing of the profile, the fields
Mastodon's authorized fetch keeps); every other unsigned GET is 401. WebFinger,
NodeInfo and the HTML pages stay public (see `node/api/webfinger.py`).
"""

from __future__ import annotations

import html as html_lib
from typing import Any

from aiohttp import web

from federation import objects, vocab
from federation.context import FEDERATION, Federation
from federation.local_actor import local_actor_document
from federation.inbox import inbox_post
from federation.instance_actor import instance_actor_document
from federation.verify import SignedBy, SignedRequestError, signer_host, verify_signed
from node import html, routing
from node.api import webfinger
from node.api.path_ids import id_param, path_id
from node.entities.correction import notice_html
from node.errors import json_error, not_found
from node.i18n import _
from node.keys import CONFIG, DB
from storage import accounts, relationships, statuses, timelines
from storage.accounts import AccountRow
from storage.statuses import StatusRow
from storage.timelines import AccountFilter, Page

ACTIVITY_JSON = "application/activity+json"
PAGE_SIZE = 20


def wants_activitypub(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "").lower()
    return "application/activity+json" in accept or "application/ld+json" in accept


def ap_response(document: dict[str, Any]) -> web.Response:
    return web.json_response(document, content_type=ACTIVITY_JSON,
                             headers={"Vary": "Accept, Signature, Signature-Input"})


def federation_of(request: web.Request) -> Federation:
    fed = request.app.get(FEDERATION)
    if fed is None:
        raise json_error(404, "federation is off on this node")
    return fed


def is_signed(request: web.Request) -> bool:
    return "Signature" in request.headers or "Signature-Input" in request.headers


async def require_signature(request: web.Request, fed: Federation) -> SignedBy | None:
    """In secure mode, the permitted signer of this GET (401/403 otherwise)."""
    if not fed.settings.secure_mode and not is_signed(request):
        return None
    try:
        return await verify_signed(fed, "GET", fed.settings.base_url + request.raw_path, request.headers, b"")
    except SignedRequestError as exc:
        fed.refusals.count("inbound", exc.reason, signer_host(request.headers))
        raise json_error(exc.status, exc.message, reason=exc.reason) from None


async def _account(request: web.Request) -> AccountRow:
    account = await accounts.find_local_account(request.app[DB], request.match_info["username"])
    if account is None or account.suspended_at or await accounts.get_listed_account(request.app[DB], account.id) is None:
        raise not_found()
    return account


# --- actor and profile ---------------------------------------------------------

def gone(account: AccountRow) -> web.Response:
    """A suspended account's actor: 410 with a Tombstone, until it is lifted
    (peers got a Delete of it; the Update on lifting brings it back). A
    deleted account's for good, saying when (AS2's `deleted`)."""
    body = vocab.with_context({"id": account.uri, "type": "Tombstone", "formerType": "Person",
                               **({"deleted": account.deleted_at} if account.deleted_at else {})})
    return web.json_response(body, status=410, content_type=ACTIVITY_JSON,
                             headers={"Vary": "Accept, Signature, Signature-Input"})


async def actor_or_profile(request: web.Request) -> web.Response:
    if wants_activitypub(request):
        found = await accounts.find_local_account(request.app[DB], request.match_info["username"])
        if found is not None and found.suspended_at:
            federation_of(request)
            return gone(found)
    account = await _account(request)
    if not wants_activitypub(request):
        moved = await accounts.get_account(request.app[DB], account.moved_to_id) if account.moved_to_id else None
        return _profile_page(request, account, moved)
    fed = federation_of(request)
    if fed.settings.secure_mode and not is_signed(request):
        return ap_response(vocab.key_only_actor(fed.urls, account))
    await require_signature(request, fed)
    return ap_response(await local_actor_document(fed.db, fed.urls, account))


def _moved_notice(moved: AccountRow | None) -> str:
    """Where a moved account went (issue #16), a link to the new account's page."""
    if moved is None:
        return ""
    text = _("This account has moved to %(acct)s.", acct=moved.acct())
    return f'<p class="moved"><a href="{html.escape(moved.url or moved.uri)}">{html.escape(text)}</a></p>'


def _profile_page(request: web.Request, account: AccountRow, moved: AccountRow | None = None) -> web.Response:
    config = request.app[CONFIG]
    name = account.display_name or account.username
    counts = _("%(posts)s posts · %(following)s following · %(followers)s followers",
               posts=account.statuses_count, following=account.following_count, followers=account.followers_count)
    body = html.Markup(
        f"<h1>{html.escape(name)}</h1><p><code>@{html.escape(account.username)}@"
        f"{html.escape(config.node.domain)}</code></p>{_moved_notice(moved)}<div class=\"note\">{account.note}</div>"
        f"<p>{html.escape(counts)}</p>")
    return html.page(config, f"{name} (@{account.username})", body)


# --- statuses ----------------------------------------------------------------

async def _status(request: web.Request, account: AccountRow) -> StatusRow:
    row = await statuses.get_status(request.app[DB], path_id(request))
    if row is None or row.account_id != account.id or not objects.is_served(row):
        raise not_found()
    return row


async def note_or_page(request: web.Request) -> web.Response:
    account = await _account(request)
    row = await _status(request, account)
    if not wants_activitypub(request):
        return _status_page(request, account, row, await notice_html(request.app, row.id))
    fed = federation_of(request)
    await require_signature(request, fed)
    return ap_response(await objects.note_for_status(fed.db, fed.urls, row, account))


def _status_page(request: web.Request, account: AccountRow, row: StatusRow, notice: html.Markup) -> web.Response:
    config = request.app[CONFIG]
    spoiler = f"<p><strong>{html.escape(row.spoiler_text)}</strong></p>" if row.spoiler_text else ""
    lang = f' lang="{html.escape(row.language)}"' if row.language else ""  # the post's language, not the page's
    body = html.Markup(
        f"<article><p><a href=\"/@{html_lib.escape(account.username)}\">"
        f"{html.escape(account.display_name or account.username)}</a> · <time>{html.escape(row.created_at)}"
        f"</time></p>{notice}{spoiler}<div class=\"content\"{lang}>{row.content}</div></article>")
    return html.page(config, _("%(name)s: post", name=account.display_name or account.username), body)


# --- collections -----------------------------------------------------------------

def _page_of(request: web.Request) -> Page | None:
    if "page" not in request.query:
        return None
    return Page(limit=PAGE_SIZE, max_id=id_param(request.query.get("max_id")),
                min_id=id_param(request.query.get("min_id")))


async def outbox(request: web.Request) -> web.Response:
    fed = federation_of(request)
    account = await _account(request)
    await require_signature(request, fed)
    base = fed.urls.outbox(account.username)
    page = _page_of(request)
    if page is None:
        return ap_response(vocab.ordered_collection(base, account.statuses_count, first=f"{base}?page=true"))
    rows = await timelines.account_statuses(fed.db, account.id, None, page, AccountFilter())
    items = await objects.outbox_items(fed.db, fed.urls, rows, account)
    return ap_response(_collection_page(request, base, [r.id for r in rows], items))


def _collection_page(request: web.Request, base: str, ids: list[int], items: list[Any]) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query.items()))
    return vocab.collection_page(f"{base}?{query}", base, items,
                                 next_id=f"{base}?page=true&max_id={ids[-1]}" if len(ids) >= PAGE_SIZE else None,
                                 prev_id=f"{base}?page=true&min_id={ids[0]}" if ids else None)


async def _follow_collection(request: web.Request, *, followers: bool) -> web.Response:
    fed = federation_of(request)
    account = await _account(request)
    signed = await require_signature(request, fed)
    urls = fed.urls
    base = urls.followers(account.username) if followers else urls.following(account.username)
    total = account.followers_count if followers else account.following_count
    if signed is None:  # secure mode off and unsigned: the count only, as Mastodon hides lists
        return ap_response(vocab.ordered_collection(base, total))
    page = _page_of(request)
    if page is None:
        return ap_response(vocab.ordered_collection(base, total, first=f"{base}?page=true"))
    edges = await relationships.follow_edges(fed.db, account.id, page, None, followers=followers)
    found = await accounts.get_accounts(fed.db, [e.account_id for e in edges])
    items = [found[e.account_id].uri for e in edges if e.account_id in found]
    return ap_response(_collection_page(request, base, [e.id for e in edges], items))


async def followers(request: web.Request) -> web.Response:
    return await _follow_collection(request, followers=True)


async def following(request: web.Request) -> web.Response:
    return await _follow_collection(request, followers=False)


async def featured(request: web.Request) -> web.Response:
    fed = federation_of(request)
    account = await _account(request)
    await require_signature(request, fed)
    return ap_response(vocab.ordered_collection(fed.urls.featured(account.username), 0, items=[]))


async def instance_actor(request: web.Request) -> web.Response:
    """The node's own actor, readable unsigned: peers verify its signed fetches with it."""
    fed = federation_of(request)
    settings = fed.settings
    return ap_response(instance_actor_document(fed.instance, settings.domain, settings.base_url))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/actor", instance_actor),
        routing.get("/users/{username}", actor_or_profile),
        routing.get("/@{username}", actor_or_profile),
        routing.get("/users/{username}/statuses/{id}", note_or_page),
        routing.get("/@{username}/{id}", note_or_page),
        routing.get("/users/{username}/outbox", outbox),
        routing.get("/users/{username}/followers", followers),
        routing.get("/users/{username}/following", following),
        routing.get("/users/{username}/collections/featured", featured),
        routing.post("/users/{username}/inbox", inbox_post),
        routing.post("/inbox", inbox_post),
        *webfinger.routes(),
    ]
