-- Verified identities behind local accounts (articles 7(4), 9).
-- Legal name and identity number are AES-GCM blobs made by
-- policy.identity.vault; the key is in a file outside this database.
-- subject_hash is an HMAC of authority and subject: unique per person
-- without storing who they are.
CREATE TABLE identities (
    account_id      INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    authority       TEXT NOT NULL,
    subject_hash    TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('person','organisation')),
    name_blob       TEXT,
    id_number_blob  TEXT,
    verified_at     TEXT NOT NULL,
    show_verified   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX identities_subject ON identities (subject_hash);

-- Attestations work once: the nonce key of each one used.
CREATE TABLE attestation_nonces (
    nonce_key  TEXT PRIMARY KEY,
    used_at    TEXT NOT NULL
);

-- Every reveal of a legal identity, with who asked and why. The moderation
-- audit log takes these records over.
CREATE TABLE identity_reveals (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    actor       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Article 14 sanction: posting revoked until the identity is verified again.
ALTER TABLE users ADD COLUMN posting_revoked_at TEXT;

-- Set while the account opts in to show that it is verified (never who):
-- a public badge, so it lives with the public account row.
ALTER TABLE accounts ADD COLUMN identity_badge_at TEXT;
