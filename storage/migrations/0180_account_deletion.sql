-- Account deletion and identity retention (issue #16).
--
-- A deleted account's row stays, emptied, as a marker: its username stays
-- taken (accounts_handle is unique, case-insensitively), its actor answers
-- 410 and every API 404. `suspended_at` is set with it, so every path that
-- hides a suspended account hides a deleted one too; `deleted_at` says it
-- is for good (no sanction lifts it). For a remote account, set when its
-- origin deleted it.
ALTER TABLE accounts ADD COLUMN deleted_at TEXT;

-- The identity record of a deleted account is kept, still encrypted, for
-- `[identity] retention_days` after this time, then the sweep removes it.
ALTER TABLE identities ADD COLUMN account_deleted_at TEXT;
CREATE INDEX identities_deleted ON identities (account_deleted_at) WHERE account_deleted_at IS NOT NULL;

-- The rest of a deletion runs in the background, one row per account:
-- announce (the Delete of the actor to peers, before its relations go),
-- purge (content in batches), finish (the private key is dropped once no
-- delivery signed by it is pending), done. A worker takes a row by a
-- conditional update of claimed_until (a lease), so one process at a
-- time works on it and a killed one's row comes back.
CREATE TABLE account_deletions (
    account_id     INTEGER PRIMARY KEY REFERENCES accounts(id),
    requested_by   TEXT NOT NULL CHECK (requested_by IN ('self','admin')),
    state          TEXT NOT NULL DEFAULT 'announce'
                   CHECK (state IN ('announce','purge','finish','done')),
    due_at         TEXT NOT NULL,
    claimed_until  TEXT,
    created_at     TEXT NOT NULL,
    finished_at    TEXT
);
CREATE INDEX account_deletions_due ON account_deletions (due_at) WHERE state <> 'done';
