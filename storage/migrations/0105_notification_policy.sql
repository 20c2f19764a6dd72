-- Filtering notifications from strangers (Mastodon 4.3's notification
-- policy and requests; storage/notification_filter.py decides).

-- One row per account that changed its policy; no row means Mastodon's
-- defaults (accept, accept, accept, filter, filter). Each value is
-- 'accept', 'filter' or 'drop'.
CREATE TABLE notification_policies (
    account_id            INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    for_not_following     TEXT NOT NULL DEFAULT 'accept',
    for_not_followers     TEXT NOT NULL DEFAULT 'accept',
    for_new_accounts      TEXT NOT NULL DEFAULT 'accept',
    for_private_mentions  TEXT NOT NULL DEFAULT 'filter',
    for_limited_accounts  TEXT NOT NULL DEFAULT 'filter',
    updated_at            TEXT NOT NULL
);

-- A filtered notification is kept, out of the notification lists, until
-- its sender's request is accepted (filtered = 0 again) or dismissed
-- (deleted).
ALTER TABLE notifications ADD COLUMN filtered INTEGER NOT NULL DEFAULT 0;

-- One per (recipient, sender) with filtered mentions, as Mastodon: the
-- request the recipient accepts or dismisses.
CREATE TABLE notification_requests (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    last_status_id   INTEGER REFERENCES statuses(id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (account_id, from_account_id)
);
CREATE INDEX notification_requests_page ON notification_requests (account_id, id);

-- Senders whose notifications are never filtered for this recipient (an
-- accepted request).
CREATE TABLE notification_permissions (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    UNIQUE (account_id, from_account_id)
);
