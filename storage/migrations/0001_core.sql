-- Core schema: accounts, OAuth, statuses, social graph, notifications.
-- Times are ISO-8601 UTC text ("2026-11-23T08:00:00.000Z"), ids are
-- time-ordered integers from storage.ids (serialised as strings by the API).

CREATE TABLE accounts (
    id                INTEGER PRIMARY KEY,
    username          TEXT NOT NULL,
    domain            TEXT,               -- NULL for local accounts
    display_name      TEXT NOT NULL DEFAULT '',
    note              TEXT NOT NULL DEFAULT '',   -- rendered HTML
    note_source       TEXT NOT NULL DEFAULT '',   -- what the user typed
    fields_json       TEXT NOT NULL DEFAULT '[]', -- [{"name","value","verified_at"}]
    locked            INTEGER NOT NULL DEFAULT 0,
    bot               INTEGER NOT NULL DEFAULT 0,
    discoverable      INTEGER NOT NULL DEFAULT 1,
    indexable         INTEGER NOT NULL DEFAULT 1,
    avatar_url        TEXT NOT NULL DEFAULT '',
    header_url        TEXT NOT NULL DEFAULT '',
    uri               TEXT NOT NULL UNIQUE,
    url               TEXT NOT NULL DEFAULT '',
    inbox_url         TEXT NOT NULL DEFAULT '',
    shared_inbox_url  TEXT NOT NULL DEFAULT '',
    outbox_url        TEXT NOT NULL DEFAULT '',
    followers_url     TEXT NOT NULL DEFAULT '',
    following_url     TEXT NOT NULL DEFAULT '',
    featured_url      TEXT NOT NULL DEFAULT '',
    public_key_pem    TEXT NOT NULL DEFAULT '',
    public_key_id     TEXT NOT NULL DEFAULT '',
    private_key_pem   TEXT,               -- local accounts only
    followers_count   INTEGER NOT NULL DEFAULT 0,
    following_count   INTEGER NOT NULL DEFAULT 0,
    statuses_count    INTEGER NOT NULL DEFAULT 0,
    last_status_at    TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    fetched_at        TEXT,
    moved_to_id       INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    suspended_at      TEXT,
    silenced_at       TEXT,
    sensitized_at     TEXT
);
CREATE UNIQUE INDEX accounts_handle ON accounts (lower(username), coalesce(lower(domain), ''));
CREATE INDEX accounts_domain ON accounts (domain);

CREATE TABLE users (
    account_id          INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    email               TEXT NOT NULL,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user','moderator','admin')),
    approved            INTEGER NOT NULL DEFAULT 1,
    disabled            INTEGER NOT NULL DEFAULT 0,
    locale              TEXT NOT NULL DEFAULT 'en',
    default_visibility  TEXT NOT NULL DEFAULT 'public',
    default_sensitive   INTEGER NOT NULL DEFAULT 0,
    default_language    TEXT,
    signup_reason       TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    last_sign_in_at     TEXT
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

CREATE TABLE apps (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    website        TEXT,
    redirect_uris  TEXT NOT NULL,          -- newline separated
    scopes         TEXT NOT NULL,          -- space separated
    client_id      TEXT NOT NULL UNIQUE,
    client_secret  TEXT NOT NULL,
    owner_id       INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    created_at     TEXT NOT NULL
);

CREATE TABLE oauth_codes (
    code_hash              TEXT PRIMARY KEY,
    app_id                 INTEGER NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    account_id             INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    redirect_uri           TEXT NOT NULL,
    scopes                 TEXT NOT NULL,
    code_challenge         TEXT,
    code_challenge_method  TEXT,
    expires_at             TEXT NOT NULL,
    used_at                TEXT
);

-- Tokens are stored as SHA-256 hashes: a leaked database does not leak
-- working bearer tokens.
CREATE TABLE oauth_tokens (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT NOT NULL UNIQUE,
    refresh_hash   TEXT UNIQUE,
    app_id         INTEGER REFERENCES apps(id) ON DELETE CASCADE,
    account_id     INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
    scopes         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    expires_at     TEXT,
    revoked_at     TEXT,
    last_used_at   TEXT
);
CREATE INDEX oauth_tokens_account ON oauth_tokens (account_id);

CREATE TABLE statuses (
    id                     INTEGER PRIMARY KEY,
    account_id             INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    uri                    TEXT NOT NULL UNIQUE,
    url                    TEXT NOT NULL DEFAULT '',
    text                   TEXT NOT NULL DEFAULT '',   -- source as typed (local)
    content                TEXT NOT NULL DEFAULT '',   -- sanitised HTML
    spoiler_text           TEXT NOT NULL DEFAULT '',
    sensitive              INTEGER NOT NULL DEFAULT 0,
    visibility             TEXT NOT NULL DEFAULT 'public'
                           CHECK (visibility IN ('public','unlisted','private','direct')),
    language               TEXT,
    in_reply_to_id         INTEGER REFERENCES statuses(id) ON DELETE SET NULL,
    in_reply_to_account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    in_reply_to_uri        TEXT,
    reblog_of_id           INTEGER REFERENCES statuses(id) ON DELETE CASCADE,
    conversation_id        INTEGER,
    application_id         INTEGER REFERENCES apps(id) ON DELETE SET NULL,
    local                  INTEGER NOT NULL DEFAULT 1,
    -- published: visible per visibility; pending: held for review, author
    -- only; rejected: refused by a moderator, author only.
    state                  TEXT NOT NULL DEFAULT 'published'
                           CHECK (state IN ('published','pending','rejected')),
    replies_count          INTEGER NOT NULL DEFAULT 0,
    reblogs_count          INTEGER NOT NULL DEFAULT 0,
    favourites_count       INTEGER NOT NULL DEFAULT 0,
    created_at             TEXT NOT NULL,
    edited_at              TEXT,
    deleted_at             TEXT
);
CREATE INDEX statuses_account ON statuses (account_id, id DESC);
CREATE INDEX statuses_public ON statuses (id DESC) WHERE visibility = 'public' AND state = 'published' AND deleted_at IS NULL AND reblog_of_id IS NULL;
CREATE INDEX statuses_reply ON statuses (in_reply_to_id);
CREATE INDEX statuses_reblog ON statuses (reblog_of_id, account_id);
CREATE INDEX statuses_conversation ON statuses (conversation_id);

CREATE TABLE status_edits (
    id            INTEGER PRIMARY KEY,
    status_id     INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    text          TEXT NOT NULL,
    content       TEXT NOT NULL,
    spoiler_text  TEXT NOT NULL,
    sensitive     INTEGER NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX status_edits_status ON status_edits (status_id, id);

CREATE TABLE mentions (
    status_id   INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account ON mentions (account_id, status_id DESC);

CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX tags_name ON tags (lower(name));

CREATE TABLE status_tags (
    status_id  INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    tag_id     INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, status_id)
);
CREATE INDEX status_tags_status ON status_tags (status_id);

CREATE TABLE tag_follows (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, tag_id)
);

CREATE TABLE favourites (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id   INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    uri         TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id);

CREATE TABLE bookmarks (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id   INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, status_id)
);

CREATE TABLE follows (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    show_reblogs      INTEGER NOT NULL DEFAULT 1,
    notify            INTEGER NOT NULL DEFAULT 0,
    languages         TEXT,
    uri               TEXT,
    -- frozen: kept but inactive while the peer's permit is revoked
    frozen            INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    UNIQUE (account_id, target_id)
);
CREATE INDEX follows_target ON follows (target_id, account_id);

CREATE TABLE follow_requests (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    show_reblogs INTEGER NOT NULL DEFAULT 1,
    notify      INTEGER NOT NULL DEFAULT 0,
    uri         TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, target_id)
);
CREATE INDEX follow_requests_target ON follow_requests (target_id, id DESC);

CREATE TABLE blocks (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    uri         TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, target_id)
);
CREATE INDEX blocks_target ON blocks (target_id);

CREATE TABLE mutes (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id           INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    hide_notifications  INTEGER NOT NULL DEFAULT 1,
    expires_at          TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (account_id, target_id)
);

CREATE TABLE notifications (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    from_account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    type             TEXT NOT NULL,
    status_id        INTEGER REFERENCES statuses(id) ON DELETE CASCADE,
    group_key        TEXT NOT NULL,
    extra_json       TEXT,
    created_at       TEXT NOT NULL,
    dismissed        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_account ON notifications (account_id, id DESC);
CREATE INDEX notifications_group ON notifications (account_id, group_key, id DESC);

CREATE TABLE markers (
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    timeline      TEXT NOT NULL CHECK (timeline IN ('home','notifications')),
    last_read_id  INTEGER NOT NULL,
    version       INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

CREATE TABLE idempotency_keys (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    status_id   INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
);

CREATE TABLE lists (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    replies_policy  TEXT NOT NULL DEFAULT 'list',
    exclusive       INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL
);

CREATE TABLE list_accounts (
    list_id     INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, account_id)
);

CREATE TABLE filters (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    context       TEXT NOT NULL,          -- space separated
    filter_action TEXT NOT NULL DEFAULT 'warn',
    expires_at    TEXT,
    created_at    TEXT NOT NULL
);

CREATE TABLE filter_keywords (
    id          INTEGER PRIMARY KEY,
    filter_id   INTEGER NOT NULL REFERENCES filters(id) ON DELETE CASCADE,
    keyword     TEXT NOT NULL,
    whole_word  INTEGER NOT NULL DEFAULT 1
);

-- Full-text search: the table differs per dialect (0001_core.sqlite.sql,
-- 0001_core.postgres.sql).

-- Node-wide key/value settings that several processes must agree on.
CREATE TABLE node_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
