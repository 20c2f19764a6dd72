"""Confirming an address (issue #16): at sign-up when `[registrations]
confirm_email` is on, and for every change of address.

The address awaiting confirmation is a row of `pending_emails`; the link
mailed to it carries a single-use token (SHA-256 stored, two days to
live) naming that address. Following it (`/auth/confirmation`) makes the
address the account's: a sign-up may then sign in, a change takes effect.
A token for an address no longer awaited (replaced by a newer request)
does nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets

from aiohttp import web

from node.audit_log import audit
from node.keys import CONFIG, DB
from node.mail import messages
from node.mail.outbox import queue_mail
from node.registration import EMAIL_RE
from storage import account_tokens, accounts, pending_emails, request_counts
from storage.accounts import AccountRow
from storage.clock import iso, now
from storage.database import Writer

CONFIRM_FOR = dt.timedelta(days=2)
CONFIRM_PATH = "/auth/confirmation"


class AddressError(Exception):
    """An address that cannot be used: not an address, or another account's."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # invalid, taken, same


class NotAwaitingError(Exception):
    """The account has no sign-up address awaiting confirmation."""


class TooManyError(Exception):
    """More resends than RESENDS_PER_HOUR: a mailbox is not to be flooded."""


RESENDS_PER_HOUR = 5


async def _mail_link(w: Writer, app: web.Application, account: AccountRow, locale: str, email: str, *,
                     sign_up: bool) -> None:
    config, moment, token = app[CONFIG], now(), secrets.token_urlsafe(32)
    await account_tokens.insert(w, token, account.id, "confirm_email", email=email, now=iso(moment),
                                expires_at=iso(moment + CONFIRM_FOR))
    link = f"{config.node.base_url.rstrip('/')}{CONFIRM_PATH}?confirmation_token={token}"
    build = messages.confirm_sign_up if sign_up else messages.confirm_change
    await queue_mail(w, app, account.id, email, build(config, locale, account.username, link))


async def start_sign_up(app: web.Application, account: AccountRow) -> None:
    """A new account waits for its address to be confirmed; the link is mailed."""
    user = await accounts.get_user(app[DB], account.id)
    assert user is not None
    async with app[DB].write() as w:
        await pending_emails.put(w, account.id, user.email, sign_up=True)
        await _mail_link(w, app, account, user.locale, user.email, sign_up=True)


async def _check_address(app: web.Application, account_id: int, email: str) -> None:
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise AddressError("invalid")
    if await pending_emails.address_taken(app[DB], email, other_than=account_id):
        raise AddressError("taken")


async def resend(app: web.Application, account: AccountRow, new_email: str = "") -> None:
    """Mail the sign-up link again, to `new_email` instead if given (it replaces the
    unconfirmed address). Raises NotAwaitingError, AddressError, TooManyError."""
    db = app[DB]
    pending, user = await pending_emails.get(db, account.id), await accounts.get_user(db, account.id)
    if pending is None or not pending.sign_up or user is None:
        raise NotAwaitingError()
    email = new_email.strip() or pending.email
    if email.lower() != pending.email.lower():
        await _check_address(app, account.id, email)
    async with db.write() as w:
        moment = now()
        sent = await request_counts.count(w, "confirm_resend", str(account.id), now=iso(moment),
                                          window_start_after=iso(moment - dt.timedelta(hours=1)))
        if sent > RESENDS_PER_HOUR:
            raise TooManyError()
        if email != pending.email:
            if await pending_emails.address_taken(w, email, other_than=account.id):
                raise AddressError("taken")  # taken meanwhile: under the write lock, checked again
            await pending_emails.replace_unconfirmed(w, account.id, email)
        await _mail_link(w, app, account, user.locale, email, sign_up=True)


async def request_change(app: web.Application, account: AccountRow, new_email: str) -> None:
    """Ask for a new address: it takes effect only when its link is followed. Raises AddressError."""
    db, email = app[DB], new_email.strip()
    user = await accounts.get_user(db, account.id)
    assert user is not None
    if email.lower() == user.email.lower():
        raise AddressError("same")
    await _check_address(app, account.id, email)
    async with db.write() as w:
        # An older request's link dies: only the newest address may be confirmed.
        await account_tokens.use_up_all(w, account.id, "confirm_email", iso(now()))
        await pending_emails.put(w, account.id, email, sign_up=False)
        await _mail_link(w, app, account, user.locale, email, sign_up=False)
        await audit(w, account, "account.email_change_requested", ("account", account.id))


async def confirm(app: web.Application, token: str) -> AccountRow | None:
    """Follow a confirmation link; the account whose address is now confirmed, or
    None (unknown, used or expired token, or an address no longer awaited)."""
    db = app[DB]
    async with db.write() as w:
        row = await account_tokens.take(w, token, "confirm_email", iso(now()))
        pending = await pending_emails.get(w, row.account_id) if row is not None else None
        if row is None or pending is None or pending.email.lower() != row.email.lower():
            return None
        if await pending_emails.address_taken(w, pending.email, other_than=row.account_id):
            return None  # another account confirmed the address first
        await pending_emails.adopt(w, row.account_id, pending.email)
    account = await accounts.get_account(db, row.account_id)
    if account is not None:
        await audit(app, account, "account.email_confirmed", ("account", account.id),
                    {"sign_up": bool(pending.sign_up)})
    return account
