-- Images are decoded and encoded again without their metadata (issue #14):
-- an image attachment gets a small preview file beside its original, and
-- its blurhash (column of 0041). Local avatars and headers are files too,
-- named at random under [storage] media_dir and served at
-- /system/accounts/<name>; accounts.avatar_url/header_url hold their URL.
ALTER TABLE media_attachments ADD COLUMN preview_file_name TEXT;
ALTER TABLE media_attachments ADD COLUMN preview_width INTEGER;
ALTER TABLE media_attachments ADD COLUMN preview_height INTEGER;
CREATE UNIQUE INDEX media_attachments_preview ON media_attachments (preview_file_name);
ALTER TABLE accounts ADD COLUMN avatar_file TEXT;
ALTER TABLE accounts ADD COLUMN header_file TEXT;
CREATE UNIQUE INDEX accounts_avatar_file ON accounts (avatar_file);
CREATE UNIQUE INDEX accounts_header_file ON accounts (header_file);
