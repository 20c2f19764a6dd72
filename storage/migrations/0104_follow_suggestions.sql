-- Follow suggestions (storage/suggestions.py).

-- Staff picks: accounts moderators recommend to everyone (Mastodon's
-- "featured" source, its bootstrap_timeline_accounts setting).
CREATE TABLE suggestion_picks (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    picked_by   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
);

-- Suggestions a user dismissed (Mastodon's follow_recommendation_mutes):
-- never suggested to that user again.
CREATE TABLE suggestion_dismissals (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, target_id)
);
