-- Mail (issue #16): a durable outbox, single-use tokens, addresses awaiting
-- confirmation, and the counters that throttle password-reset requests.

-- One message to send. body: the subject and text as JSON, AES-GCM under
-- the node's vault key (outside the database), bound to the row id: it
-- carries a secret link. state: queued, in_flight (claimed_until is the
-- lease), or dead (gave up after the last attempt; kept for the admin).
-- A sent message is deleted. recipient is the address (not legal identity).
CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'in_flight', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_until    TEXT,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);

-- Single-use tokens of a link in a message: only the SHA-256 of the token
-- is kept. purpose: password_reset or confirm_email (email: the address
-- the link confirms). used_at set once: a token works one time only.
CREATE TABLE account_tokens (
    token_hash  TEXT PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('password_reset', 'confirm_email')),
    email       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);

-- An address awaiting confirmation. sign_up = 1: the account's own address
-- since sign-up ([registrations] confirm_email); until it is confirmed the
-- account cannot sign in or use a token. sign_up = 0: a new address asked
-- for on /settings/email, which replaces users.email only when confirmed.
CREATE TABLE pending_emails (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    sign_up     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);

-- Requests counted per window, shared by every process: scope 'reset_email'
-- (subject: SHA-256 of the lowercased address asked for, whether or not an
-- account has it) or 'reset_address' (the client's IP address).
CREATE TABLE request_counts (
    scope         TEXT NOT NULL,
    subject       TEXT NOT NULL,
    window_start  TEXT NOT NULL,
    requests      INTEGER NOT NULL,
    PRIMARY KEY (scope, subject)
);
