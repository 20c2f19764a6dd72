-- Endorsements (Mastodon's account_pins): accounts a user features on
-- their profile. Only followed accounts may be endorsed; unfollowing
-- removes the endorsement (storage/endorsements.py).
CREATE TABLE account_pins (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, target_id)
);
CREATE INDEX account_pins_page ON account_pins (account_id, id);
