-- Inbound activities: stored after the inbox checks (size, signature, key
-- owner, permit, origin), answered 202, processed after by a background
-- task. activity_id is UNIQUE: a redelivered activity is not stored or
-- processed again. Rows left 'received' (or 'processing' by a process that
-- died) are picked up again on start, so nothing accepted is lost.
CREATE TABLE inbox_activities (
    id            INTEGER PRIMARY KEY,
    activity_id   TEXT NOT NULL UNIQUE,
    actor         TEXT NOT NULL,
    host          TEXT NOT NULL,
    recipient_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    body          TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'received'
                  CHECK (state IN ('received','processing','done','dropped','failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_at    TEXT,
    processed_at  TEXT,
    error         TEXT
);
CREATE INDEX inbox_activities_due ON inbox_activities (state, id);
