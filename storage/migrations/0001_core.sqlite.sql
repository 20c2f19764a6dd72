-- Full-text search: jieba tokens joined by spaces, so unspaced Chinese is
-- found by word (the unicode61 tokenizer alone would see one long token).
-- rowid is the status id; rows are deleted with the status.
CREATE VIRTUAL TABLE statuses_fts USING fts5 (tokens, tokenize='unicode61 remove_diacritics 2');
