-- Screening (articles 8, 10): hit counts per rule and version, shadow
-- rules included, and the queue of held and flagged content.
CREATE TABLE screening_hits (
    rule_id         TEXT NOT NULL,
    policy_version  TEXT NOT NULL,
    category        TEXT NOT NULL,
    mode            TEXT NOT NULL,
    hits            INTEGER NOT NULL DEFAULT 0,
    last_hit_at     TEXT NOT NULL,
    PRIMARY KEY (rule_id, policy_version)
);

-- One row per held ('review') or flagged ('flag') item, with the decision
-- that put it there (rule, term, spans) as JSON.
CREATE TABLE moderation_queue (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('status','edit','profile','remote_status')),
    action          TEXT NOT NULL CHECK (action IN ('review','flag')),
    status_id       INTEGER REFERENCES statuses(id) ON DELETE CASCADE,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    decision_json   TEXT NOT NULL,
    policy_version  TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','approved','rejected','escalated')),
    reason          TEXT NOT NULL DEFAULT '',
    resolved_by     INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL,
    resolved_at     TEXT
);
CREATE INDEX moderation_queue_open ON moderation_queue (state, id DESC);
CREATE INDEX moderation_queue_status ON moderation_queue (status_id);
