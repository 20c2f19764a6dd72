-- Announcements by staff (Mastodon's announcements), shown to every
-- signed-in user once published; each user's read state and emoji
-- reactions (a Unicode emoji or a local custom emoji's shortcode).
CREATE TABLE announcements (
    id            INTEGER PRIMARY KEY,
    text          TEXT NOT NULL,           -- as staff typed it
    content       TEXT NOT NULL,           -- rendered HTML
    mentions_json TEXT NOT NULL DEFAULT '[]',  -- ids of the accounts it mentions
    statuses_json TEXT NOT NULL DEFAULT '[]',  -- ids of the local statuses it links to
    starts_at     TEXT,
    ends_at       TEXT,
    all_day       INTEGER NOT NULL DEFAULT 0,
    published     INTEGER NOT NULL DEFAULT 0,
    published_at  TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE announcement_reads (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    announcement_id  INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    UNIQUE (account_id, announcement_id)
);

CREATE TABLE announcement_reactions (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    announcement_id  INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    UNIQUE (account_id, announcement_id, name)
);
CREATE INDEX announcement_reactions_of ON announcement_reactions (announcement_id, name);
