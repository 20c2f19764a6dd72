-- Media attachments (Mastodon's media_attachments). A local upload has a
-- file under [storage] media_dir named `file_name` (random, never the
-- uploader's); a remote one only `remote_url` (never fetched or proxied).
-- `status_id` is NULL until a status is posted with it; deleting the
-- status deletes the rows (the handler detaches local ones first when
-- they are kept for a redraft).
CREATE TABLE media_attachments (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id     INTEGER REFERENCES statuses(id) ON DELETE CASCADE,
    position      INTEGER NOT NULL DEFAULT 0,   -- order within the status
    type          TEXT NOT NULL CHECK (type IN ('image', 'gifv', 'video', 'audio', 'unknown')),
    content_type  TEXT NOT NULL DEFAULT '',
    file_name     TEXT UNIQUE,                  -- NULL for remote media
    size          INTEGER NOT NULL DEFAULT 0,   -- bytes
    width         INTEGER,
    height        INTEGER,
    description   TEXT,
    blurhash      TEXT,
    focus_x       REAL,
    focus_y       REAL,
    remote_url    TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX media_attachments_status ON media_attachments (status_id, position) WHERE status_id IS NOT NULL;
CREATE INDEX media_attachments_unattached ON media_attachments (account_id) WHERE status_id IS NULL;
