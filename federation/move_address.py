"""The account a person names as `user@host` when adding an alias or
moving (issue #16): a local account, or one on a permitted peer resolved
by WebFinger and a signed actor fetch; the permit gate is asked first, so
a host without a permit is refused by name and never contacted."""

from __future__ import annotations

from federation.context import Federation
from federation.fetch import FetchError
from federation.moving import MoveError
from federation.resolve import resolve_account
from federation.webfinger_client import parse_acct
from storage import accounts
from storage.accounts import AccountRow
from storage.database import Database


async def find_account(db: Database, fed: Federation | None, domain: str, address: str) -> AccountRow:
    """The account at `user@host` (or a local `user`): a local one, or a
    remote one on a permitted peer, resolved by WebFinger; MoveError otherwise."""
    text = address.strip().removeprefix("@")
    try:
        asked = parse_acct(text if "@" in text else f"{text}@{domain}")
    except FetchError:
        raise MoveError("bad_address") from None
    if asked.host == domain.lower():
        found = await accounts.find_local_account(db, asked.username)
        if found is None or found.suspended_at:
            raise MoveError("not_found")
        return found
    if fed is None:
        raise MoveError("federation_off")
    decision = await fed.gate.check(asked.host)
    if not decision.permitted:
        raise MoveError("not_permitted", decision.message)
    found = await resolve_account(fed, f"{asked.username}@{asked.host}")
    if found is None or found.suspended_at:
        raise MoveError("not_found")
    return found
