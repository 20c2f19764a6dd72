"""The actor document of a local account as peers get it: the profile
(`vocab.actor_document`), the custom emoji it uses, its aliases
(`alsoKnownAs`, so that those accounts may move here) and, once it moved,
where to (`movedTo`). Served on its URL and sent in an `Update`."""

from __future__ import annotations

from typing import Any

from federation import vocab
from federation.custom_emojis import with_actor_emoji_tags
from federation.urls import Urls
from storage import account_moves, accounts
from storage.accounts import AccountRow
from storage.database import Database


async def local_actor_document(db: Database, urls: Urls, account: AccountRow) -> dict[str, Any]:
    moved = await accounts.get_account(db, account.moved_to_id) if account.moved_to_id else None
    document = vocab.actor_document(urls, account, moved_to_uri=moved.uri if moved else None)
    aliases = await account_moves.alias_uris(db, account.id)
    if aliases:
        document["alsoKnownAs"] = aliases
    return await with_actor_emoji_tags(db, urls, account, document)
