-- Shared registries (issue 15): subscriptions to signed permit and word
-- lists an association publishes, and the entries each one last offered.
-- A subscription is synced by one process at a time: a sweep claims it by
-- setting `claimed_until` (a lease) inside a write transaction, and every
-- finishing write names the lease it holds.

CREATE TABLE registry_subscriptions (
    id              INTEGER PRIMARY KEY,             -- storage.ids
    seq             INTEGER NOT NULL UNIQUE,         -- short number naming its screening categories (r<seq>-...)
    url             TEXT NOT NULL UNIQUE,
    public_key      TEXT NOT NULL,                   -- Ed25519, raw 32 bytes, unpadded base64url
    permits_mode    TEXT NOT NULL CHECK (permits_mode IN ('draft','active')),
    lists_mode      TEXT NOT NULL CHECK (lists_mode IN ('off','shadow','enforce')),
    priority        INTEGER NOT NULL,                -- 0-255, higher wins
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    next_sync_at    TEXT NOT NULL,
    claimed_until   TEXT,                            -- a sync's lease
    failures        INTEGER NOT NULL DEFAULT 0,      -- in a row, for the back-off
    last_fetch_at   TEXT,                            -- last attempt, good or bad
    last_success_at TEXT,                            -- last good document applied or confirmed
    last_version    INTEGER,                         -- the last good document in force
    last_digest     TEXT,                            -- sha256 of its payload
    last_issued_at  TEXT,
    last_expires_at TEXT,
    last_error      TEXT NOT NULL DEFAULT '',        -- why the last attempt failed ('' after a good one)
    last_error_at   TEXT
);
CREATE INDEX registry_subscriptions_due ON registry_subscriptions (next_sync_at);

CREATE TABLE registry_entries (
    subscription_id INTEGER NOT NULL REFERENCES registry_subscriptions (id) ON DELETE CASCADE,
    host            TEXT NOT NULL,
    number          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    holder          TEXT NOT NULL,
    status          TEXT NOT NULL,
    valid_until     TEXT,                            -- ISO date, inclusive
    digest          TEXT NOT NULL,                   -- of the published fields
    approved_digest TEXT,                            -- draft: the fields an admin approved
    first_seen_at   TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (subscription_id, host)
);
CREATE INDEX registry_entries_host ON registry_entries (host);
