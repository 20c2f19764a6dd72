-- Full-text search: jieba's words and CJK bigrams, cut in Python
-- (storage/search.py) and stored as lexemes as they are
-- (`array_to_tsvector`, no parser or stemming: PostgreSQL's parser would
-- drop or split Chinese), GIN-indexed; a query is a tsquery of quoted
-- lexemes. `status_id` is the status; rows are deleted with the status.
CREATE TABLE statuses_fts (
    status_id  BIGINT PRIMARY KEY,
    tokens     TSVECTOR NOT NULL
);
CREATE INDEX statuses_fts_tokens ON statuses_fts USING GIN (tokens);
