"""Password reset (issue #16), as Mastodon has it.

`request_reset` answers the same whatever the address: it counts the
request per address (a hash of it, known or not) and per client IP in one
write transaction, and only inside that transaction, for an address an
account has, adds the single-use token (SHA-256 stored, an hour to live)
and queues the message with its link: a few rows more, no extra round
trip, so the answer takes about as long either way. `reset` uses the
token up and replaces the password, which revokes every OAuth token and
browser session of the account (storage.credentials), audited as
`account.password_reset`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from aiohttp import web

from node.audit_log import audit
from node.keys import CONFIG, DB
from node.mail import messages
from node.mail.outbox import queue_mail
from node.passwords import hash_password
from node.registration import check_password
from storage import account_tokens, accounts, credentials, request_counts
from storage.clock import iso, now

RESET_FOR = dt.timedelta(hours=1)
WINDOW = dt.timedelta(hours=1)
PER_EMAIL = 5  # requests per address per hour
PER_CLIENT = 20  # requests per client IP per hour
EDIT_PATH = "/auth/password/edit"


@dataclass(frozen=True, slots=True)
class ResetRequest:
    throttled: bool


def _email_subject(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


async def request_reset(app: web.Application, email: str, client: str) -> ResetRequest:
    """Count the request; mail a reset link if an account has `email` and no limit is reached."""
    config, db, moment = app[CONFIG], app[DB], now()
    user = await accounts.find_user_by_email(db, email.strip()) if email.strip() else None
    # The same reads whether or not the address is known (id 0 is no account's).
    account = await accounts.get_account(db, user.account_id if user is not None else 0)
    token = secrets.token_urlsafe(32)
    async with db.write() as w:
        window = iso(moment - WINDOW)
        by_email = await request_counts.count(w, "reset_email", _email_subject(email), now=iso(moment),
                                              window_start_after=window)
        by_client = await request_counts.count(w, "reset_address", client, now=iso(moment),
                                               window_start_after=window)
        if by_email > PER_EMAIL or by_client > PER_CLIENT:
            return ResetRequest(throttled=True)
        if user is None or account is None:
            return ResetRequest(throttled=False)
        await account_tokens.insert(w, token, account.id, "password_reset", now=iso(moment),
                                    expires_at=iso(moment + RESET_FOR))
        link = f"{config.node.base_url.rstrip('/')}{EDIT_PATH}?reset_password_token={token}"
        message = messages.password_reset(config, user.locale, account.username, link)
        await queue_mail(w, app, account.id, user.email, message)
    return ResetRequest(throttled=False)


async def token_is_live(app: web.Application, token: str) -> bool:
    """The reset page shows its form only for a token that still works."""
    return await account_tokens.find_live(app[DB], token, "password_reset", iso(now())) is not None


async def reset(app: web.Application, token: str, password: str, client: str) -> int | None:
    """Set a new password with a reset token; the account id, or None when the
    token does not work (unknown, used or expired). Raises RegistrationError
    for a password the rules refuse (the token is then left as it was)."""
    check_password(app[CONFIG], password)
    db, moment = app[DB], iso(now())
    found = await account_tokens.find_live(db, token, "password_reset", moment)
    account = await accounts.get_account(db, found.account_id) if found is not None else None
    if account is None:
        return None
    password_hash = await asyncio.to_thread(hash_password, password)
    async with db.write() as w:
        row = await account_tokens.take(w, token, "password_reset", iso(now()))
        if row is None or row.account_id != account.id:  # used meanwhile, by another click
            return None
        await credentials.replace_password(w, account.id, password_hash, iso(now()))
        await audit(w, account, "account.password_reset", ("account", account.id), {"ip": client})
    return account.id
