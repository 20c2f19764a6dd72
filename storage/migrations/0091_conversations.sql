-- Direct-message conversations as each local participant sees them
-- (Mastodon's account_conversations): one row per (account, thread,
-- set of other participants). `conversation_id` is the thread's id
-- (statuses.conversation_id: its first status); `participant_ids` the
-- other accounts' ids, sorted, comma-separated ('' for notes to self);
-- `last_status_id` the newest direct status of the thread between them.
-- Kept by storage/conversations.py when a direct status is published
-- (locally or from a peer) and when one is removed.
CREATE TABLE account_conversations (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation_id  INTEGER NOT NULL,
    participant_ids  TEXT NOT NULL,
    last_status_id   INTEGER NOT NULL,
    unread           INTEGER NOT NULL DEFAULT 0,
    updated_at       TEXT NOT NULL,
    UNIQUE (account_id, conversation_id, participant_ids)
);
CREATE INDEX account_conversations_list ON account_conversations (account_id, last_status_id);
CREATE INDEX account_conversations_thread ON account_conversations (conversation_id);
