"""WebFinger (RFC 7033) and host-meta: how peers find a local account's actor.

`GET /.well-known/webfinger?resource=acct:user@domain` (or the actor or
profile URL) answers a JRD: subject, aliases, and the `self` (ActivityPub)
and profile-page links. 404 for an unknown account, and while federation
is off (article 6). `GET /.well-known/host-meta` gives the XRD template.

WebFinger is unsigned by nature (no peer signs it, and it is asked before
a peer knows which key to use), so it cannot tell a permitted node from
another. As with Mastodon's authorized fetch, it answers, and names only
the account's address and actor URL; what article 7(6) protects is
behind that URL: the actor document is the whole profile only to a GET
signed by a permitted peer (403 for any other signer, the key alone
unsigned, `node/api/activitypub.py`), so an unpermitted node cannot
resolve a local account into anything it can show or follow.
"""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from federation.context import FEDERATION
from federation.urls import Urls
from node import routing
from node.errors import bad_request, json_error, not_found
from node.keys import CONFIG, DB
from storage import accounts
from storage.accounts import AccountRow

JRD = "application/jrd+json"
HOST_META = """<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="{base}/.well-known/webfinger?resource={{uri}}"/>
</XRD>
"""


def username_of(resource: str, domain: str, urls: Urls) -> str | None:
    """The local username a resource names: acct:user@domain, the actor or the profile URL."""
    text = unquote(resource.strip())
    if text.lower().startswith("acct:"):
        user, _, host = text[5:].lstrip("@").rpartition("@")
        return user if user and host.lower() == domain.lower() else None
    for prefix in (urls.actor(""), urls.profile("")):
        if text.startswith(prefix) and "/" not in text[len(prefix):]:
            return text[len(prefix):] or None
    return None


def jrd(account: AccountRow, domain: str, urls: Urls) -> dict[str, object]:
    name = account.username
    return {
        "subject": f"acct:{name}@{domain}",
        "aliases": [urls.profile(name), urls.actor(name)],
        "links": [
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": urls.profile(name)},
            {"rel": "self", "type": "application/activity+json", "href": urls.actor(name)},
        ],
    }


async def webfinger(request: web.Request) -> web.Response:
    if request.app.get(FEDERATION) is None:
        raise json_error(404, "federation is off on this node")
    config = request.app[CONFIG]
    resource = request.query.get("resource", "")
    if not resource:
        raise bad_request("resource is required")
    urls = Urls.of(config.node.base_url)
    username = username_of(resource, config.node.domain, urls)
    account = await accounts.find_local_account(request.app[DB], username) if username else None
    if account is None or account.suspended_at:
        raise not_found()
    return web.json_response(jrd(account, config.node.domain, urls), content_type=JRD)


async def host_meta(request: web.Request) -> web.Response:
    if request.app.get(FEDERATION) is None:
        raise json_error(404, "federation is off on this node")
    base = request.app[CONFIG].node.base_url.rstrip("/")
    return web.Response(text=HOST_META.format(base=base), content_type="application/xrd+xml")


def routes() -> list[web.RouteDef]:
    return [routing.get("/.well-known/webfinger", webfinger), routing.get("/.well-known/host-meta", host_meta)]
