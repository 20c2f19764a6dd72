-- The order of a status's mentions and tags as written (SQLite kept it in
-- rowid order, which PostgreSQL has no equivalent of).
ALTER TABLE mentions ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE status_tags ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
