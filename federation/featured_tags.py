"""Featured hashtags over ActivityPub, as Mastodon: the actor's
`featuredTags` collection (a Collection of Hashtag objects), an `Add` of
the Hashtag to that collection when a local account features one and a
`Remove` when it stops, sent to its followers; inbound, a peer's Add or
Remove of a Hashtag to its own actor's collection is stored as that
account's featured tag (`federation.activities.collection`).

A remote account's collection is not fetched: what it features here is
what its Add and Remove activities said since we knew it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from federation import vocab
from federation.emit import NOTHING, Emitter
from federation.outbox import Audience, Plan, send
from federation.urls import Urls
from storage import accounts
from storage.accounts import AccountRow
from storage.featured_tags import FeaturedTagRow


def hashtag(urls: Urls, account: AccountRow, name: str) -> dict[str, str]:
    return {"type": "Hashtag", "href": urls.tagged(account.username, quote(name.lower(), safe="")),
            "name": f"#{name}"}


def collection(urls: Urls, account: AccountRow, rows: list[FeaturedTagRow]) -> dict[str, Any]:
    """Mastodon's featured tags collection: every item inline, no pages (at most 10)."""
    return vocab.with_context({"id": urls.featured_tags(account.username), "type": "Collection",
                               "totalItems": len(rows), "items": [hashtag(urls, account, r.name) for r in rows]})


def _change(kind: str, urls: Urls, account: AccountRow, name: str, serial: int) -> dict[str, Any]:
    return vocab.with_context({
        "id": f"{account.uri}#featured_tags/{serial}", "type": kind, "actor": account.uri,
        "target": urls.featured_tags(account.username), "object": hashtag(urls, account, name)})


async def _send(em: Emitter, kind: str, account_id: int, name: str) -> Plan:
    account = await accounts.get_account(em.db, account_id)
    if account is None or not account.local:
        return NOTHING
    activity = _change(kind, em.urls, account, name, em.ids.next_id())
    return await send(em.queue, em.gate, activity, account.id, Audience(account.id))


async def tag_featured(em: Emitter, account_id: int, name: str) -> Plan:
    return await _send(em, "Add", account_id, name)


async def tag_unfeatured(em: Emitter, account_id: int, name: str) -> Plan:
    return await _send(em, "Remove", account_id, name)

