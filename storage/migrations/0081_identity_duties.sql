-- Separation of duties for legal identities (articles 7(2), 7(4)).

-- Powers given to a person beside their role. 'identity_officer': may ask
-- to reveal a legal identity; neither admin nor moderator may without it.
CREATE TABLE staff_grants (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    grant_name  TEXT NOT NULL CHECK (grant_name IN ('identity_officer')),
    granted_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, grant_name)
);

-- A reveal is asked for (with a reason), approved or denied by a second
-- staff member, and only then done, once, by whoever asked. Each step is
-- also in the audit log; identity_reveals keeps the reveals themselves.
CREATE TABLE identity_reveal_requests (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    requested_by  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    reason        TEXT NOT NULL,
    report_id     INTEGER REFERENCES reports(id) ON DELETE SET NULL,
    state         TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending','approved','denied','revealed')),
    decided_by    INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    decision_note TEXT NOT NULL DEFAULT '',
    decided_at    TEXT,
    reveal_id     INTEGER,
    revealed_at   TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX identity_reveal_requests_state ON identity_reveal_requests (state, id);
