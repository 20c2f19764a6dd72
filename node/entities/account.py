"""Mastodon's Account entity (and CredentialAccount with `source`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from node.config import Config
from storage.accounts import AccountRow, UserRow, get_accounts
from storage.database import Database

DEFAULT_AVATAR = "/static/avatar.png"
# The opt-in profile field that shows an identity is verified, never whose.
IDENTITY_FIELD_NAME = "实名认证 Verified identity"
DEFAULT_HEADER = "/static/header.png"


def _date_only(stamp: str) -> str:
    # Mastodon reports last_status_at as a date, not a time.
    return stamp[:10]


def _day_start(stamp: str) -> str:
    # created_at is midnight of the creation day in Mastodon's Account.
    return stamp[:10] + "T00:00:00.000Z"


def _identity_field(account: AccountRow) -> list[dict[str, Any]]:
    if not account.identity_badge_at:
        return []
    return [{"name": IDENTITY_FIELD_NAME, "value": "✓", "verified_at": account.identity_badge_at}]


def account_emojis(account: AccountRow, base_url: str) -> list[dict[str, Any]]:
    """The CustomEmoji entities kept with the account (storage.custom_emojis.refresh_account);
    a local image's path gets the node's origin."""
    try:
        emojis = json.loads(account.emojis_json or "[]")
    except ValueError:
        return []
    for e in emojis:
        for key in ("url", "static_url"):
            if isinstance(e.get(key), str) and e[key].startswith("/"):
                e[key] = base_url + e[key]
    return emojis if isinstance(emojis, list) else []


def serialize_account(account: AccountRow, config: Config, moved: AccountRow | None = None) -> dict[str, Any]:
    """`moved`: the account it moved to (its `moved_to_id`), shown as Mastodon
    shows it, as that account's entity; `moved_accounts` finds them."""
    base = config.node.base_url
    avatar = account.avatar_url or base + DEFAULT_AVATAR
    header = account.header_url or base + DEFAULT_HEADER
    fields = json.loads(account.fields_json or "[]")
    return {
        "id": str(account.id),
        "username": account.username,
        "acct": account.acct(),
        "display_name": account.display_name,
        "locked": bool(account.locked),
        "bot": bool(account.bot),
        "discoverable": bool(account.discoverable),
        "indexable": bool(account.indexable),
        "group": False,
        "created_at": _day_start(account.created_at),
        "note": account.note,
        "url": account.url or account.uri,
        "uri": account.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.statuses_count,
        "last_status_at": _date_only(account.last_status_at) if account.last_status_at else None,
        "hide_collections": False,
        "noindex": not account.indexable,
        "emojis": account_emojis(account, base),
        "roles": [],
        "fields": [{"name": f.get("name", ""), "value": f.get("value", ""),
                    "verified_at": f.get("verified_at")} for f in fields] + _identity_field(account),
        **_moved(account, config, moved),
        **({"suspended": True} if account.suspended_at else {}),
        **({"limited": True} if account.silenced_at else {}),
    }


def _moved(account: AccountRow, config: Config, moved: AccountRow | None) -> dict[str, Any]:
    if account.moved_to_id is None:
        return {"moved": None}
    if moved is None or moved.id != account.moved_to_id:
        return {}  # a list that did not look the new account up: no claim either way
    return {"moved": serialize_account(moved, config)}


async def moved_accounts(db: Database, rows: Iterable[AccountRow]) -> dict[int, AccountRow]:
    """The accounts these moved to, by the moved account's id (one query)."""
    targets = {r.id: r.moved_to_id for r in rows if r.moved_to_id}
    found = await get_accounts(db, list(targets.values()))
    return {i: found[t] for i, t in targets.items() if t in found}


def serialize_accounts(rows: Iterable[AccountRow], config: Config,
                       moved: dict[int, AccountRow]) -> list[dict[str, Any]]:
    return [serialize_account(r, config, moved.get(r.id)) for r in rows]


def serialize_credential_account(account: AccountRow, user: UserRow, config: Config,
                                 follow_requests_count: int = 0, moved: AccountRow | None = None) -> dict[str, Any]:
    """verify_credentials: the Account (with `moved`, as Mastodon's) plus `source` and `role`."""
    body = serialize_account(account, config, moved)
    fields = json.loads(account.fields_json or "[]")
    body["source"] = {
        "note": account.note_source,
        "fields": [{"name": f.get("name", ""), "value": f.get("source", f.get("value", "")),
                    "verified_at": f.get("verified_at")} for f in fields],
        "privacy": user.default_visibility,
        "sensitive": bool(user.default_sensitive),
        "language": user.default_language,
        "follow_requests_count": follow_requests_count,
        "hide_collections": False,
        "discoverable": bool(account.discoverable),
        "indexable": bool(account.indexable),
    }
    body["role"] = {"id": {"user": "-99", "moderator": "2", "admin": "3"}[user.role],
                    "name": "" if user.role == "user" else user.role.capitalize(),
                    "permissions": "0" if user.role == "user" else "1",
                    "color": "", "highlighted": user.role != "user"}
    return body
