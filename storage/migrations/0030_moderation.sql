-- Moderation (articles 7(1), 7(5), 7(8), 7(9), 13, 14): the audit log,
-- reports, account sanctions and false-information corrections.

-- Append-only: each record carries the hash of the one before it
-- (policy/audit.py), so an edited, removed or reordered record breaks the
-- chain that `python -m node audit verify` walks. The triggers stop the
-- node itself from changing history; the chain catches anyone who drops
-- them and edits the file.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,          -- 1, 2, 3...: the position in the chain
    at            TEXT NOT NULL,
    actor         TEXT NOT NULL,                -- acct of a local account, "cli", "signal", "system"
    action        TEXT NOT NULL,                -- e.g. report.resolve, account.suspend, identity.reveal
    target_type   TEXT NOT NULL DEFAULT '',     -- account, status, report, permit, identity, policy, queue_item
    target_id     TEXT NOT NULL DEFAULT '',
    details_json  TEXT NOT NULL DEFAULT '{}',
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id);
-- The append-only triggers differ per dialect (0030_moderation.<dialect>.sql).

-- Reports (article 13): from a local account (API), anyone (the public
-- form: account_id NULL) or a peer (an inbound Flag: source 'federation').
CREATE TABLE reports (
    id                          INTEGER PRIMARY KEY,
    account_id                  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    target_account_id           INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_ids                  TEXT NOT NULL DEFAULT '[]',   -- JSON array of ids
    rule_ids                    TEXT NOT NULL DEFAULT '[]',
    category                    TEXT NOT NULL DEFAULT 'other'
                                CHECK (category IN ('spam','legal','violation','other')),
    comment                     TEXT NOT NULL DEFAULT '',
    forwarded                   INTEGER NOT NULL DEFAULT 0,
    source                      TEXT NOT NULL DEFAULT 'api' CHECK (source IN ('api','form','federation')),
    uri                         TEXT,
    assigned_account_id         INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    action_taken_by_account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    action_taken_at             TEXT,
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL
);
CREATE INDEX reports_open ON reports (action_taken_at, id DESC);
CREATE INDEX reports_target ON reports (target_account_id, id DESC);
CREATE INDEX reports_account ON reports (account_id, id DESC);

CREATE TABLE report_notes (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    content     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX report_notes_report ON report_notes (report_id, id);

-- The public report form's rate limit: one row per accepted submission,
-- keyed by a hash of the client address (not the address itself).
CREATE TABLE report_form_hits (
    client_hash  TEXT NOT NULL,
    at           TEXT NOT NULL
);
CREATE INDEX report_form_hits_client ON report_form_hits (client_hash, at);

-- Sanctions (articles 7(8), 14), Mastodon's account_warnings: what was
-- done, why, until when. The account and user columns carry the effect;
-- an expired sanction is lifted by the expiry sweep.
CREATE TABLE account_sanctions (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    action             TEXT NOT NULL CHECK (action IN
                       ('none','sensitive','disable','silence','suspend','revoke_posting')),
    report_id          INTEGER REFERENCES reports(id) ON DELETE SET NULL,
    text               TEXT NOT NULL DEFAULT '',
    actor_account_id   INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    scope              TEXT NOT NULL DEFAULT 'account' CHECK (scope IN ('account','identity')),
    created_at         TEXT NOT NULL,
    expires_at         TEXT,
    lifted_at          TEXT
);
CREATE INDEX account_sanctions_account ON account_sanctions (account_id, id DESC);
CREATE INDEX account_sanctions_expiry ON account_sanctions (expires_at) WHERE lifted_at IS NULL;

-- False information (article 7(5)): one correction per status.
CREATE TABLE corrections (
    id                    INTEGER PRIMARY KEY,
    status_id             INTEGER NOT NULL UNIQUE REFERENCES statuses(id) ON DELETE CASCADE,
    text                  TEXT NOT NULL,
    source_url            TEXT NOT NULL DEFAULT '',
    actor_account_id      INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    correction_status_id  INTEGER REFERENCES statuses(id) ON DELETE SET NULL,
    created_at            TEXT NOT NULL
);

-- Timelines leave out suspended authors, and limited ones from the public
-- timelines: these partial indexes keep those subqueries small.
CREATE INDEX IF NOT EXISTS accounts_suspended ON accounts (id) WHERE suspended_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS accounts_silenced ON accounts (id) WHERE silenced_at IS NOT NULL;
