-- Browser sessions for the node's own pages (sign-in, OAuth consent,
-- later admin pages), and what follow requests need to become follows.

-- One row per browser. The cookie holds a random value; only its SHA-256
-- is stored, as for OAuth tokens. account_id is NULL for a visitor who
-- has not signed in yet: the row still carries the CSRF token that the
-- sign-in form must echo. Signing in replaces the row (no fixation).
CREATE TABLE web_sessions (
    id_hash     TEXT PRIMARY KEY,
    account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_account ON web_sessions (account_id);
CREATE INDEX IF NOT EXISTS web_sessions_expires ON web_sessions (expires_at);

-- A follow request carries the follow's options until it is authorised.
-- follows.languages and follow_requests.languages: a JSON array of
-- ISO 639-1 codes, NULL for every language.
ALTER TABLE follow_requests ADD COLUMN languages TEXT;

CREATE INDEX IF NOT EXISTS follows_account ON follows (account_id, id DESC);
CREATE INDEX IF NOT EXISTS follows_target_id ON follows (target_id, id DESC);
CREATE INDEX IF NOT EXISTS blocks_account ON blocks (account_id, id DESC);
CREATE INDEX IF NOT EXISTS mutes_account ON mutes (account_id, id DESC);
CREATE INDEX IF NOT EXISTS mutes_target ON mutes (target_id);
CREATE INDEX IF NOT EXISTS oauth_tokens_app ON oauth_tokens (app_id);
