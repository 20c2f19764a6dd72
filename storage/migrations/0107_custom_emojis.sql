-- Custom emoji (Mastodon's custom_emojis). Local ones (domain NULL) are
-- uploaded by staff: a PNG or GIF under [storage] media_dir/emoji, named at
-- random. Remote ones (domain = the peer's host) come from Emoji tags on
-- its Notes and actors: only the image's URL is kept, never fetched.
CREATE TABLE custom_emojis (
    id                 INTEGER PRIMARY KEY,
    shortcode          TEXT NOT NULL,
    domain             TEXT,
    file_name          TEXT,
    content_type       TEXT NOT NULL DEFAULT '',
    size               INTEGER NOT NULL DEFAULT 0,
    remote_url         TEXT,
    uri                TEXT,
    visible_in_picker  INTEGER NOT NULL DEFAULT 1,
    category           TEXT,
    disabled           INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE UNIQUE INDEX custom_emojis_code ON custom_emojis (shortcode, coalesce(domain, ''));

-- The custom emoji an account's display name, note and fields use, as
-- CustomEmoji entities (JSON; a local image's URL is a path on this node),
-- kept with the account so every Account entity shows them without a
-- lookup: rewritten when the profile changes, when a peer's actor is
-- stored, and when a local emoji is added, changed or removed.
ALTER TABLE accounts ADD COLUMN emojis_json TEXT NOT NULL DEFAULT '[]';
