-- Moving accounts (issue #16, as Mastodon). A local account's aliases
-- (Mastodon's account_aliases): the accounts it says it also is, served as
-- `alsoKnownAs` in its actor document, so that they may move here. The
-- `uri` is the actor id the address resolved to when it was added.
CREATE TABLE account_aliases (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    acct        TEXT NOT NULL,
    uri         TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, uri)
);

-- Each move a local account made (Mastodon's account_migrations): the
-- target, and how many followers it had then; the last one starts the
-- cooldown before the next. `accounts.moved_to_id` says where it is now.
CREATE TABLE account_migrations (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_account_id  INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    acct               TEXT NOT NULL,
    followers_count    INTEGER NOT NULL,
    created_at         TEXT NOT NULL
);
CREATE INDEX account_migrations_by_account ON account_migrations (account_id, created_at);
