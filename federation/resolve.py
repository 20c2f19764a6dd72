"""Resolving `user@host` or a URL: a local user's search (`resolve=true`),
a mention of an account this node has not seen yet, a boosted status.

The permit gate is asked about the host before anything is sent to it: an
account on a host without a permit is never looked up (no WebFinger, no
actor fetch) and resolves to nothing. Otherwise WebFinger gives the actor
URL (the subject checked back at its host) and the actor is fetched and
stored through `actor_for`, which asks the gate again for the actor's host.
A URL (an object's id, or its web page, which answers with the object
when asked for ActivityStreams) is fetched signed by the instance actor;
a Note or Question is stored only when attributed to an actor of its own
host, and screened like any inbound status.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from federation.activities.common import Dropped, object_id
from federation.actors import ACTOR_TYPES, ActorError, actor_for, check_host, refresh_actor
from federation.context import Federation
from federation.fetch import FetchError, fetch_activitypub
from federation.notes import store_note
from federation.peers import url_host
from federation.polls import store_question
from federation.webfinger_client import parse_acct, resolve_acct
from storage.accounts import AccountRow
from storage.clock import now, parse
from storage.statuses import StatusRow

STATUS_TYPES = frozenset({"Note", "Question", "Article", "Page"})
STALE_AFTER = dt.timedelta(days=1)  # as Mastodon, which refetches older copies on lookup

logger = logging.getLogger(__name__)


async def resolve_account(fed: Federation, acct: str) -> AccountRow | None:
    """The remote account at `acct`, fetched and stored; None when it cannot be
    (no permit for its host, no such account, an unusable answer)."""
    try:
        asked = parse_acct(acct)
        if asked.host == fed.settings.domain.lower():
            return None
        found = await resolve_acct(fed.session, acct, lambda host: check_host(fed, f"https://{host}/"))
        account = await actor_for(fed, found.actor_url)
    except (ActorError, FetchError) as exc:
        logger.info("could not resolve %s: %s", acct, exc)
        return None
    if account.local or url_host(account.uri) != url_host(found.actor_url):
        return None
    return account


async def fetch_object(fed: Federation, url: str) -> dict[str, Any]:
    """The document at `url` from a permitted host, signed by the instance
    actor; a web page's object is fetched again by its own id, on its host."""
    await check_host(fed, url)
    signer = fed.instance.signer()
    try:
        return (await fetch_activitypub(fed.session, url, signer=signer))[1]
    except FetchError as exc:
        if exc.reason != "id_mismatch" or url_host(exc.canonical) != url_host(url):
            raise
        return (await fetch_activitypub(fed.session, exc.canonical, signer=signer))[1]


async def store_fetched_status(fed: Federation, doc: dict[str, Any], *,
                               kind: str = "status") -> StatusRow | None:
    """A fetched Note or Question, stored and screened; Dropped when its
    author is not an actor of the object's own host."""
    author_uri = object_id(doc.get("attributedTo"))
    if not author_uri or url_host(author_uri) != url_host(object_id(doc)):
        raise Dropped("the fetched object is not attributed to an actor of its host")
    author = await actor_for(fed, author_uri)
    row = await store_note(fed, author, doc, kind=kind, solicited=True)
    await store_question(fed, row, doc)
    return row


async def resolve_url(fed: Federation, url: str) -> AccountRow | StatusRow | None:
    """The remote account or status at `url`, fetched and stored; None when
    it cannot be (a local or unpermitted host, another type, a bad answer)."""
    if url_host(url) == fed.settings.domain.lower():
        return None
    try:
        doc = await fetch_object(fed, url)
        if doc.get("type") in ACTOR_TYPES:
            account = await actor_for(fed, object_id(doc))
            return None if account.local else account
        if doc.get("type") in STATUS_TYPES:
            return await store_fetched_status(fed, doc)
    except (ActorError, FetchError, Dropped) as exc:
        logger.info("could not resolve %s: %s", url, exc)
    return None


async def refreshed(fed: Federation, account: AccountRow) -> AccountRow:
    """A remote account fetched again when this node's copy is over a day
    old (a renamed or moved account, a new key); the copy when that fails."""
    if account.local or (account.fetched_at and now() - parse(account.fetched_at) < STALE_AFTER):
        return account
    try:
        return await refresh_actor(fed, account.uri)
    except (ActorError, FetchError) as exc:
        logger.info("could not refresh %s: %s", account.uri, exc)
        return account
