-- Featured hashtags (Mastodon's featured_tags): up to 10 per local account,
-- shown on its profile and federated as its actor's `featuredTags`
-- collection; a remote account's come from its Add/Remove activities.
-- `name` keeps the spelling the account chose; `url` is the remote
-- Hashtag's href ('' for local ones, whose URL is built from the name).
CREATE TABLE featured_tags (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    url         TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, tag_id)
);
