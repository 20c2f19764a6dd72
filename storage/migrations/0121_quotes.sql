-- Quote posts as Mastodon 4.5 has them (FEP-044f).
-- One row per quoting status. state: pending (asked, no answer yet),
-- accepted, rejected, revoked. quoted_uri keeps the quoted status's id
-- when the row itself is gone (quoted_status_id NULL: deleted).
-- activity_uri: the QuoteRequest (ours when we asked, the peer's when it
-- asked us); approval_uri: the QuoteAuthorization stamp, served by the
-- quoted author's node (ours for a local quoted status).
CREATE TABLE quotes (
    id                 INTEGER PRIMARY KEY,
    status_id          INTEGER NOT NULL UNIQUE REFERENCES statuses(id) ON DELETE CASCADE,
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    quoted_status_id   INTEGER REFERENCES statuses(id) ON DELETE SET NULL,
    quoted_account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    quoted_uri         TEXT NOT NULL,
    state              TEXT NOT NULL,
    activity_uri       TEXT,
    approval_uri       TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX quotes_quoted ON quotes (quoted_status_id, state, id);
CREATE INDEX quotes_activity ON quotes (activity_uri);
CREATE INDEX quotes_approval ON quotes (approval_uri);

-- Who may quote a status (quote_approval_policy / interactionPolicy.canQuote):
-- public, followers, nobody; unknown for a remote status that said nothing.
CREATE TABLE quote_policies (
    status_id  INTEGER PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
    policy     TEXT NOT NULL
);
