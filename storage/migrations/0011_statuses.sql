-- Statuses, timelines and interactions.

-- Home and list timelines read "statuses of these authors, newest first"
-- (fan-out on read, see storage/timelines.py). This partial index covers
-- every column the home filter looks at, so the per-author range scans
-- never touch the table rows.
CREATE INDEX statuses_home ON statuses (account_id, id DESC, visibility, in_reply_to_account_id, reblog_of_id)
    WHERE state = 'published' AND deleted_at IS NULL;

-- Favourites and bookmarks pages are ordered by the row id (Mastodon's Link
-- header pages by it), per account.
CREATE INDEX favourites_account ON favourites (account_id, id DESC);
CREATE INDEX bookmarks_account ON bookmarks (account_id, id DESC);

CREATE TABLE status_pins (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id   INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX status_pins_status ON status_pins (status_id);

-- "Mute conversation": no more notifications from a thread.
CREATE TABLE conversation_mutes (
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id  INTEGER NOT NULL,
    created_at       TEXT NOT NULL,
    PRIMARY KEY (account_id, conversation_id)
) WITHOUT ROWID;

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Deleting a status cascades to these tables; without an index on the
-- referencing column each delete would scan them whole.
CREATE INDEX IF NOT EXISTS notifications_status ON notifications (status_id);
CREATE INDEX IF NOT EXISTS bookmarks_status ON bookmarks (status_id);
CREATE INDEX IF NOT EXISTS idempotency_keys_status ON idempotency_keys (status_id);
