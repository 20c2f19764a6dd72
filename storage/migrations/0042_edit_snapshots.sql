-- What an edit replaced besides text, as Mastodon's StatusEdit keeps it:
-- the poll's option titles (JSON list; NULL: no poll) and the attached
-- media as [[media id, description], ...] (NULL: none), so /history can
-- show every version whole.
ALTER TABLE status_edits ADD COLUMN poll_options TEXT;
ALTER TABLE status_edits ADD COLUMN media_json TEXT;
