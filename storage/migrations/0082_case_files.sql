-- Article 7(8): a report a moderator escalates "to the authorities", and
-- each case file exported from it (who, when, with or without the legal
-- identity, and the SHA-256 of the signed manifest). The audit log records
-- both too; these rows are what the compliance report counts.
CREATE TABLE case_escalations (
    id            INTEGER PRIMARY KEY,
    report_id     INTEGER NOT NULL UNIQUE REFERENCES reports(id) ON DELETE CASCADE,
    escalated_by  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    reason        TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE case_exports (
    id               INTEGER PRIMARY KEY,
    report_id        INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    exported_by      TEXT NOT NULL,
    with_identity    INTEGER NOT NULL DEFAULT 0,
    manifest_sha256  TEXT NOT NULL,
    created_at       TEXT NOT NULL
);
CREATE INDEX case_exports_report ON case_exports (report_id, id);
