"""OAuth applications, authorisation codes and tokens.

Codes and tokens are stored as SHA-256 hashes; the plain value exists only
in the response that hands it out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from storage.accounts import AccountRow, UserRow
from storage.clock import now_iso
from storage.database import Database
from storage.rows import to_row


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AppRow:
    id: int
    name: str
    website: str | None
    redirect_uris: str
    scopes: str
    client_id: str
    client_secret: str
    created_at: str


@dataclass(frozen=True, slots=True)
class TokenRow:
    id: int
    app_id: int | None
    account_id: int | None
    scopes: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None


@dataclass(frozen=True, slots=True)
class CodeRow:
    app_id: int
    account_id: int
    redirect_uri: str
    scopes: str
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: str
    used_at: str | None


async def insert_app(db: Database, app_id: int, name: str, website: str | None,
                     redirect_uris: str, scopes: str, client_id: str, client_secret: str) -> AppRow:
    now = now_iso()
    await db.execute(
        "INSERT INTO apps (id, name, website, redirect_uris, scopes, client_id, client_secret, created_at)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (app_id, name, website, redirect_uris, scopes, client_id, client_secret, now),
    )
    return AppRow(app_id, name, website, redirect_uris, scopes, client_id, client_secret, now)


async def get_app(db: Database, app_id: int) -> AppRow | None:
    return to_row(AppRow, await db.fetchone("SELECT * FROM apps WHERE id = ?", (app_id,)))


async def find_app(db: Database, client_id: str) -> AppRow | None:
    return to_row(AppRow, await db.fetchone("SELECT * FROM apps WHERE client_id = ?", (client_id,)))


async def insert_token(db: Database, token_id: int, token: str, refresh: str | None,
                       app_id: int | None, account_id: int | None, scopes: str,
                       expires_at: str | None = None) -> None:
    await db.execute(
        "INSERT INTO oauth_tokens (id, token_hash, refresh_hash, app_id, account_id, scopes,"
        " created_at, expires_at) VALUES (?,?,?,?,?,?,?,?)",
        (token_id, token_hash(token), token_hash(refresh) if refresh else None, app_id,
         account_id, scopes, now_iso(), expires_at),
    )


async def find_token(db: Database, token: str) -> TokenRow | None:
    """A live token: not revoked, not expired."""
    row = await db.fetchone(
        "SELECT * FROM oauth_tokens WHERE token_hash = ? AND revoked_at IS NULL"
        " AND (expires_at IS NULL OR expires_at > ?)",
        (token_hash(token), now_iso()),
    )
    return to_row(TokenRow, row)


async def find_refresh(db: Database, refresh: str) -> TokenRow | None:
    row = await db.fetchone(
        "SELECT * FROM oauth_tokens WHERE refresh_hash = ? AND revoked_at IS NULL", (token_hash(refresh),)
    )
    return to_row(TokenRow, row)


async def revoke_token(db: Database, token_id: int) -> None:
    await db.execute("UPDATE oauth_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                     (now_iso(), token_id))


async def revoke_account_tokens(db: Database, account_id: int) -> None:
    await db.execute("UPDATE oauth_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
                     (now_iso(), account_id))


async def insert_code(db: Database, code: str, row: CodeRow) -> None:
    await db.execute(
        "INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes,"
        " code_challenge, code_challenge_method, expires_at) VALUES (?,?,?,?,?,?,?,?)",
        (token_hash(code), row.app_id, row.account_id, row.redirect_uri, row.scopes,
         row.code_challenge, row.code_challenge_method, row.expires_at),
    )


async def take_code(db: Database, code: str) -> CodeRow | None:
    """Mark a code used and return it; a code works once."""
    async with db.write() as w:
        row = await w.fetchone("SELECT * FROM oauth_codes WHERE code_hash = ?", (token_hash(code),))
        if row is None or row["used_at"] is not None:
            return None
        await w.execute("UPDATE oauth_codes SET used_at = ? WHERE code_hash = ?", (now_iso(), token_hash(code)))
    return to_row(CodeRow, row)


async def find_any_token(db: Database, value: str) -> TokenRow | None:
    """A token not yet revoked whose access or refresh value is `value` (RFC 7009)."""
    row = await db.fetchone(
        "SELECT * FROM oauth_tokens WHERE (token_hash = ? OR refresh_hash = ?) AND revoked_at IS NULL",
        (token_hash(value), token_hash(value)))
    return to_row(TokenRow, row)


async def rotate_token(db: Database, old_id: int, token_id: int, token: str, refresh: str,
                       scopes: str) -> bool:
    """Refresh: revoke `old_id` and issue its successor in one transaction.

    False (and nothing written) if the old token was revoked meanwhile, so
    one refresh token is used once even when two requests race."""
    now = now_iso()
    async with db.write() as w:
        old = await w.fetchone("SELECT app_id, account_id FROM oauth_tokens WHERE id = ? AND revoked_at IS NULL",
                               (old_id,))
        if old is None:
            return False
        await w.execute("UPDATE oauth_tokens SET revoked_at = ? WHERE id = ?", (now, old_id))
        await w.execute(
            "INSERT INTO oauth_tokens (id, token_hash, refresh_hash, app_id, account_id, scopes, created_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (token_id, token_hash(token), token_hash(refresh), old["app_id"], old["account_id"], scopes, now))
    return True


_TOKEN_HOLDER = (
    "SELECT t.id AS t_id, t.app_id AS t_app_id, t.account_id AS t_account_id, t.scopes AS t_scopes,"
    " t.created_at AS t_created_at, t.expires_at AS t_expires_at, t.revoked_at AS t_revoked_at,"
    " a.*, u.email, u.password_hash, u.role, u.approved, u.disabled, u.locale, u.default_visibility,"
    " u.default_sensitive, u.default_language, u.last_sign_in_at, u.posting_revoked_at,"
    " u.created_at AS u_created_at, EXISTS (SELECT 1 FROM pending_emails p"
    " WHERE p.account_id = t.account_id AND p.sign_up = 1) AS unconfirmed"
    " FROM oauth_tokens t LEFT JOIN accounts a ON a.id = t.account_id"
    " LEFT JOIN users u ON u.account_id = t.account_id"
    " WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)"
)


async def find_token_holder(db: Database, token: str) -> tuple[TokenRow, AccountRow | None, UserRow | None] | None:
    """A live token with its account and user, in one query: every
    authenticated request starts here."""
    row = await db.fetchone(_TOKEN_HOLDER, (token_hash(token), now_iso()))
    if row is None:
        return None
    tok = TokenRow(row["t_id"], row["t_app_id"], row["t_account_id"], row["t_scopes"],
                   row["t_created_at"], row["t_expires_at"], row["t_revoked_at"])
    if row["id"] is None or row["email"] is None:
        return tok, None, None
    account = to_row(AccountRow, row)
    user = UserRow(row["id"], row["email"], row["password_hash"], row["role"], row["approved"],
                   row["disabled"], row["locale"], row["default_visibility"], row["default_sensitive"],
                   row["default_language"], row["u_created_at"], row["last_sign_in_at"],
                   row["posting_revoked_at"], row["unconfirmed"])
    return tok, account, user
