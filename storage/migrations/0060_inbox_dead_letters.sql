-- Inbox dead letters (issue #14): a row whose processing failed is set
-- aside as 'failed' with its error, for admins to read and retry; a row
-- put back after a passing failure (a peer that did not answer) waits
-- until due_at, so it never holds up the rows behind it. NULL: due now.
ALTER TABLE inbox_activities ADD COLUMN due_at TEXT;
