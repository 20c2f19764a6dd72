-- Password guessing (issue #14): failed sign-ins counted per account and
-- per client address in the database, so the limit holds across every
-- process of the node. scope is 'account' (subject: the account id, or
-- the login as typed, lowercased, when no account has it) or 'address'.
CREATE TABLE login_failures (
    scope         TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    subject       TEXT NOT NULL,
    window_start  TEXT NOT NULL,
    failures      INTEGER NOT NULL,
    locked_until  TEXT,
    PRIMARY KEY (scope, subject)
);

-- TOTP two-factor sign-in (RFC 6238): the secret encrypted by the
-- identity vault (bound to the account), enabled once a code from it was
-- entered; last_step stops a code being used twice.
CREATE TABLE two_factor (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    secret      TEXT NOT NULL,
    enabled_at  TEXT,
    last_step   INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

-- One-time recovery codes, stored as SHA-256 hashes (each 80 random bits).
CREATE TABLE two_factor_recovery_codes (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    used_at     TEXT,
    PRIMARY KEY (account_id, code_hash)
);
