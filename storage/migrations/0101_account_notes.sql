-- Private notes on accounts (Mastodon's account_notes): only the author
-- ever sees them, in the Relationship entity's `note`.
CREATE TABLE account_notes (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    comment     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    UNIQUE (account_id, target_id)
);
