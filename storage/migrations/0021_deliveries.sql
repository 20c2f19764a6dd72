-- The durable delivery queue (DESIGN.md, "a delivery"): one row per
-- (activity, inbox). A personal inbox and a shared inbox are both just an
-- inbox_url here; the outbox de-duplicates to shared inboxes before it
-- enqueues. Workers claim due rows in one write transaction by setting
-- state = 'in_flight' and a lease (claimed_until); a row whose lease has
-- expired is due again, so a worker that dies mid-delivery loses nothing.
-- On PostgreSQL the claim is `SELECT ... FOR UPDATE SKIP LOCKED` followed
-- by the same UPDATE, so several worker processes never claim one row twice.
CREATE TABLE deliveries (
    id                 INTEGER PRIMARY KEY,
    inbox_url          TEXT NOT NULL,
    host               TEXT NOT NULL,      -- policy.permits.normalise_host of the inbox
    activity_id        TEXT NOT NULL,
    activity_json      TEXT NOT NULL,
    signer_account_id  INTEGER NOT NULL,   -- a local account; its key signs the POST
    state              TEXT NOT NULL DEFAULT 'queued'
                       CHECK (state IN ('queued','in_flight','done','failed','dropped')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TEXT NOT NULL,
    last_error         TEXT NOT NULL DEFAULT '',
    last_status        INTEGER,
    created_at         TEXT NOT NULL,
    give_up_at         TEXT NOT NULL,
    claimed_until      TEXT,               -- the lease of an in_flight row (also its claim token)
    finished_at        TEXT,
    UNIQUE (activity_id, inbox_url)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'queued';
CREATE INDEX deliveries_lease ON deliveries (claimed_until) WHERE state = 'in_flight';
CREATE INDEX deliveries_host ON deliveries (host, state);

-- Peers whose permit is suspended or revoked (policy/permit_effects.py):
-- while a host is listed, its accounts' follows are frozen and its content
-- is kept out of timelines; the row goes when the permit is active again.
CREATE TABLE restricted_peers (
    host        TEXT PRIMARY KEY,
    status      TEXT NOT NULL,             -- the permit status that caused it
    reason      TEXT NOT NULL DEFAULT '',
    since       TEXT NOT NULL
);
