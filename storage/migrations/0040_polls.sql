-- Polls (Mastodon's polls and poll_votes). One poll per status; its
-- options and cached tallies are JSON arrays in option order, so a vote
-- is one row in poll_votes plus one update of the tallies, in the same
-- transaction. A remote poll's tallies are what its node last said
-- (replies.totalItems), plus the votes of local accounts since.
CREATE TABLE polls (
    id             INTEGER PRIMARY KEY,
    status_id      INTEGER NOT NULL UNIQUE REFERENCES statuses(id) ON DELETE CASCADE,
    account_id     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    options_json   TEXT NOT NULL,               -- ["title", ...]
    tallies_json   TEXT NOT NULL,               -- [votes per option, ...]
    multiple       INTEGER NOT NULL DEFAULT 0,
    hide_totals    INTEGER NOT NULL DEFAULT 0,
    expires_at     TEXT,                        -- NULL: a remote poll without endTime
    votes_count    INTEGER NOT NULL DEFAULT 0,
    voters_count   INTEGER,                     -- NULL: a remote poll that did not say
    -- A debounced Update of a local poll's Question after votes (Mastodon
    -- waits 3 minutes): due at this time, cleared by the one who sends it.
    update_due_at  TEXT,
    -- The `poll` notifications of an ended poll were made (once).
    notified_at    TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX polls_account ON polls (account_id);
CREATE INDEX polls_expiring ON polls (expires_at) WHERE notified_at IS NULL AND expires_at IS NOT NULL;
CREATE INDEX polls_update_due ON polls (update_due_at) WHERE update_due_at IS NOT NULL;

CREATE TABLE poll_votes (
    id          INTEGER PRIMARY KEY,
    poll_id     INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    choice      INTEGER NOT NULL,
    uri         TEXT,                           -- a remote vote's Note id
    created_at  TEXT NOT NULL,
    UNIQUE (poll_id, account_id, choice)
);
CREATE INDEX poll_votes_account ON poll_votes (account_id);
CREATE UNIQUE INDEX poll_votes_uri ON poll_votes (uri) WHERE uri IS NOT NULL;
