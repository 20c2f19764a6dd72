-- Export and import of one's own account (issue #16).
--
-- account_exports: one archive a person asked for at /settings/export,
-- built in the background (a worker claims a row under a lease, as the
-- delivery queue does), kept until expires_at. `secret` is the
-- unguessable part of the download URL; it is not a credential on its
-- own (the owner's browser session is also required), and it is kept in
-- clear so the page can show the link again on a later visit.
CREATE TABLE account_exports (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    secret        TEXT NOT NULL UNIQUE,
    state         TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'building', 'ready', 'failed')),
    file_name     TEXT,                 -- under [storage] data_dir/exports, random
    size          INTEGER NOT NULL DEFAULT 0,
    lease_until   TEXT,
    created_at    TEXT NOT NULL,
    finished_at   TEXT,
    expires_at    TEXT NOT NULL
);
CREATE INDEX account_exports_account ON account_exports (account_id, created_at);
CREATE INDEX account_exports_state ON account_exports (state, lease_until);

-- account_imports: one uploaded CSV (Mastodon's formats), processed in the
-- background; `body` is dropped when the import is finished.
CREATE TABLE account_imports (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('following', 'blocking', 'muting', 'lists', 'bookmarks')),
    mode          TEXT NOT NULL CHECK (mode IN ('merge', 'overwrite')),
    body          TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'finished', 'failed')),
    total         INTEGER NOT NULL DEFAULT 0,
    imported      INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    lease_until   TEXT,
    created_at    TEXT NOT NULL,
    finished_at   TEXT
);
CREATE INDEX account_imports_account ON account_imports (account_id, created_at);
CREATE INDEX account_imports_state ON account_imports (state, lease_until);
