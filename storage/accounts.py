"""Accounts (local and remote) and the local users behind them."""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.rows import placeholders, to_row, to_rows


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    username: str
    domain: str | None
    display_name: str
    note: str
    note_source: str
    fields_json: str
    locked: int
    bot: int
    discoverable: int
    indexable: int
    avatar_url: str
    header_url: str
    uri: str
    url: str
    inbox_url: str
    shared_inbox_url: str
    outbox_url: str
    followers_url: str
    following_url: str
    featured_url: str
    public_key_pem: str
    public_key_id: str
    followers_count: int
    following_count: int
    statuses_count: int
    last_status_at: str | None
    created_at: str
    updated_at: str
    moved_to_id: int | None
    suspended_at: str | None
    silenced_at: str | None
    sensitized_at: str | None
    identity_badge_at: str | None = None
    fetched_at: str | None = None  # a remote account: when its actor document was last fetched
    emojis_json: str = "[]"  # CustomEmoji entities its profile uses (storage.custom_emojis)
    deleted_at: str | None = None  # deleted for good (0180): a marker keeping the username taken

    @property
    def local(self) -> bool:
        return self.domain is None

    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


@dataclass(frozen=True, slots=True)
class UserRow:
    account_id: int
    email: str
    password_hash: str
    role: str
    approved: int
    disabled: int
    locale: str
    default_visibility: str
    default_sensitive: int
    default_language: str | None
    created_at: str
    last_sign_in_at: str | None
    posting_revoked_at: str | None = None
    # 1 while the sign-up address awaits confirmation (storage.pending_emails); filled by
    # get_user, find_user_by_login and oauth.find_token_holder, 0 elsewhere.
    unconfirmed: int = 0


# users' columns and whether the account's sign-up address still awaits confirmation.
USER_COLUMNS = ("u.*, EXISTS (SELECT 1 FROM pending_emails p WHERE p.account_id = u.account_id"
                " AND p.sign_up = 1) AS unconfirmed")


@dataclass(frozen=True, slots=True)
class NewLocalAccount:
    id: int
    username: str
    email: str
    password_hash: str
    uri: str
    url: str
    inbox_url: str
    shared_inbox_url: str
    outbox_url: str
    followers_url: str
    following_url: str
    featured_url: str
    public_key_pem: str
    public_key_id: str
    private_key_pem: str
    role: str = "user"
    approved: bool = True
    display_name: str = ""
    locale: str = "en"
    signup_reason: str = ""


async def insert_local_account(w: Writer, new: NewLocalAccount) -> None:
    now = now_iso()
    await w.execute(
        "INSERT INTO accounts (id, username, domain, display_name, uri, url, inbox_url,"
        " shared_inbox_url, outbox_url, followers_url, following_url, featured_url,"
        " public_key_pem, public_key_id, private_key_pem, created_at, updated_at)"
        " VALUES (?,?,NULL,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (new.id, new.username, new.display_name, new.uri, new.url, new.inbox_url,
         new.shared_inbox_url, new.outbox_url, new.followers_url, new.following_url,
         new.featured_url, new.public_key_pem, new.public_key_id, new.private_key_pem, now, now),
    )
    await w.execute(
        "INSERT INTO users (account_id, email, password_hash, role, approved, locale,"
        " signup_reason, created_at) VALUES (?,?,?,?,?,?,?,?)",
        (new.id, new.email, new.password_hash, new.role, int(new.approved), new.locale,
         new.signup_reason, now),
    )


async def get_account(db: Database, account_id: int) -> AccountRow | None:
    return to_row(AccountRow, await db.fetchone("SELECT * FROM accounts WHERE id = ?", (account_id,)))


async def get_accounts(db: Database, ids: list[int]) -> dict[int, AccountRow]:
    if not ids:
        return {}
    unique = list(set(ids))
    rows = await db.fetchall(f"SELECT * FROM accounts WHERE id IN ({placeholders(unique)})", unique)
    return {r.id: r for r in to_rows(AccountRow, rows)}


async def find_local_account(db: Database, username: str) -> AccountRow | None:
    row = await db.fetchone(
        "SELECT * FROM accounts WHERE lower(username) = lower(?) AND domain IS NULL", (username,)
    )
    return to_row(AccountRow, row)


async def find_account_by_acct(db: Database, username: str, domain: str | None) -> AccountRow | None:
    if domain is None:
        return await find_local_account(db, username)
    row = await db.fetchone(
        "SELECT * FROM accounts WHERE lower(username) = lower(?) AND lower(domain) = lower(?)",
        (username, domain),
    )
    return to_row(AccountRow, row)


async def find_account_by_uri(db: Database, uri: str) -> AccountRow | None:
    return to_row(AccountRow, await db.fetchone("SELECT * FROM accounts WHERE uri = ?", (uri,)))


async def get_private_key(db: Database, account_id: int) -> str | None:
    return await db.fetchval("SELECT private_key_pem FROM accounts WHERE id = ?", (account_id,))


async def get_user(db: Database, account_id: int) -> UserRow | None:
    return to_row(UserRow, await db.fetchone(f"SELECT {USER_COLUMNS} FROM users u WHERE u.account_id = ?",
                                             (account_id,)))


async def find_user_by_login(db: Database, login: str) -> UserRow | None:
    """A user by e-mail or by local username, as the sign-in form accepts both."""
    row = await db.fetchone(
        f"SELECT {USER_COLUMNS} FROM users u JOIN accounts a ON a.id = u.account_id"
        " WHERE lower(u.email) = lower(?) OR (lower(a.username) = lower(?) AND a.domain IS NULL)",
        (login, login),
    )
    return to_row(UserRow, row)


async def find_user_by_email(db: Database, email: str) -> UserRow | None:
    """A user by e-mail address only (the password-reset form)."""
    return to_row(UserRow, await db.fetchone(f"SELECT {USER_COLUMNS} FROM users u WHERE lower(u.email) = lower(?)",
                                             (email,)))


async def email_taken(db: Database, email: str) -> bool:
    return await db.fetchval("SELECT 1 FROM users WHERE lower(email) = lower(?)", (email,)) is not None


async def list_local_accounts(db: Database) -> list[tuple[AccountRow, UserRow]]:
    accounts = to_rows(AccountRow, await db.fetchall(
        "SELECT a.* FROM accounts a JOIN users u ON u.account_id = a.id ORDER BY a.id"))
    users = {u.account_id: u for u in to_rows(UserRow, await db.fetchall("SELECT * FROM users"))}
    return [(a, users[a.id]) for a in accounts if a.id in users]


async def touch_sign_in(db: Database, account_id: int) -> None:
    await db.execute("UPDATE users SET last_sign_in_at = ? WHERE account_id = ?", (now_iso(), account_id))


PROFILE_COLUMNS = frozenset({"display_name", "note", "note_source", "fields_json", "locked", "bot",
                             "discoverable", "indexable"})
USER_SETTING_COLUMNS = frozenset({"default_visibility", "default_sensitive", "default_language"})


async def update_profile(db: Database, account_id: int, changes: dict[str, object],
                         settings: dict[str, object]) -> None:
    """Set profile columns of `accounts` and settings of `users` at once.

    Only the column names in PROFILE_COLUMNS and USER_SETTING_COLUMNS are
    accepted; the values are parameters."""
    assert set(changes) <= PROFILE_COLUMNS and set(settings) <= USER_SETTING_COLUMNS
    async with db.write() as w:
        if changes:
            sets = ", ".join(f"{name} = ?" for name in changes)
            await w.execute(f"UPDATE accounts SET {sets}, updated_at = ? WHERE id = ?",
                            (*changes.values(), now_iso(), account_id))
        if settings:
            sets = ", ".join(f"{name} = ?" for name in settings)
            await w.execute(f"UPDATE users SET {sets} WHERE account_id = ?", (*settings.values(), account_id))


_LISTED = ("SELECT a.* FROM accounts a LEFT JOIN users u ON u.account_id = a.id"
           " WHERE coalesce(u.approved, 1) = 1 AND a.deleted_at IS NULL")


async def get_listed_account(db: Database, account_id: int) -> AccountRow | None:
    """An account others may see: not a local sign-up still awaiting approval, nor deleted."""
    return to_row(AccountRow, await db.fetchone(f"{_LISTED} AND a.id = ?", (account_id,)))


async def get_listed_accounts(db: Database, ids: list[int]) -> dict[int, AccountRow]:
    if not ids:
        return {}
    unique = list(set(ids))
    rows = await db.fetchall(f"{_LISTED} AND a.id IN ({placeholders(unique)})", unique)
    return {r.id: r for r in to_rows(AccountRow, rows)}


async def set_identity_badge(db: Database, account_id: int, verified_at: str | None) -> None:
    await db.execute("UPDATE accounts SET identity_badge_at = ?, updated_at = ? WHERE id = ?",
                     (verified_at, now_iso(), account_id))


async def delete_account(db: Database, account_id: int) -> None:
    """Remove an account and, by cascade, everything that hangs off it."""
    await db.execute("DELETE FROM accounts WHERE id = ?", (account_id,))
