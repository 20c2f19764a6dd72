"""Creating local accounts: one path for sign-up, the CLI and tests."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from federation.keys import generate_keypair
from federation.urls import Urls
from node.config import Config
from node.passwords import hash_password
from storage import accounts
from storage.accounts import AccountRow, NewLocalAccount
from storage.database import Database
from storage.ids import IdGenerator

USERNAME_RE = re.compile(r"^[a-zA-Z0-9_]{1,30}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
RESERVED = frozenset({"admin", "administrator", "root", "support", "help", "settings", "about",
                      "api", "oauth", "inbox", "users", "tags", "nodeinfo", "well-known"})


class RegistrationError(Exception):
    """A field that stops an account being created (Mastodon: 422 with details)."""

    def __init__(self, field: str, error: str, description: str) -> None:
        super().__init__(f"{field}: {description}")
        self.field, self.error, self.description = field, error, description


@dataclass(frozen=True, slots=True)
class SignUp:
    username: str
    email: str
    password: str
    role: str = "user"
    approved: bool = True
    locale: str = "en"
    reason: str = ""
    allow_reserved: bool = False


async def validate_sign_up(db: Database, config: Config, s: SignUp) -> None:
    if not USERNAME_RE.match(s.username):
        raise RegistrationError("username", "ERR_INVALID", "must contain only letters, numbers and underscores")
    if s.username.lower() in RESERVED and not s.allow_reserved:
        raise RegistrationError("username", "ERR_RESERVED", "is reserved")
    if await accounts.find_local_account(db, s.username) is not None:
        raise RegistrationError("username", "ERR_TAKEN", "is already taken")
    if not EMAIL_RE.match(s.email):
        raise RegistrationError("email", "ERR_INVALID", "is not a valid e-mail address")
    if await accounts.email_taken(db, s.email):
        raise RegistrationError("email", "ERR_TAKEN", "is already taken")
    check_password(config, s.password)


def check_password(config: Config, password: str) -> None:
    """The password rules of sign-up, also for a reset or a change; raises RegistrationError."""
    if len(password) < config.registrations.min_password_length:
        raise RegistrationError(
            "password", "ERR_TOO_SHORT",
            f"is too short (minimum is {config.registrations.min_password_length} characters)",
        )


async def create_local_account(db: Database, ids: IdGenerator, config: Config, s: SignUp) -> AccountRow:
    """Validate, hash, make keys and store; raises RegistrationError."""
    await validate_sign_up(db, config, s)
    # Key generation and argon2 are CPU-bound: keep the event loop free.
    private_pem, public_pem = await asyncio.to_thread(generate_keypair)
    password_hash = await asyncio.to_thread(hash_password, s.password)
    urls = Urls.of(config.node.base_url)
    account_id = ids.next_id()
    new = NewLocalAccount(
        id=account_id, username=s.username, email=s.email, password_hash=password_hash,
        uri=urls.actor(s.username), url=urls.profile(s.username), inbox_url=urls.inbox(s.username),
        shared_inbox_url=urls.shared_inbox(), outbox_url=urls.outbox(s.username),
        followers_url=urls.followers(s.username), following_url=urls.following(s.username),
        featured_url=urls.featured(s.username), public_key_pem=public_pem,
        public_key_id=urls.key_id(s.username), private_key_pem=private_pem, role=s.role,
        approved=s.approved, locale=s.locale, signup_reason=s.reason,
    )
    async with db.write() as w:
        # Re-check under the write lock: two sign-ups may race.
        if await w.fetchone("SELECT 1 FROM accounts WHERE lower(username)=lower(?) AND domain IS NULL",
                            (s.username,)):
            raise RegistrationError("username", "ERR_TAKEN", "is already taken")
        await accounts.insert_local_account(w, new)
    account = await accounts.get_account(db, account_id)
    assert account is not None
    return account
