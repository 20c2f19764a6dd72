-- Notifications, filters, lists and markers as Mastodon clients use them.

-- Named counters. Notification ids come from here rather than storage.ids:
-- the grouped-notifications API (v2) sends most_recent_notification_id as
-- a JSON integer, which JavaScript clients read exactly only below 2^53,
-- so notification ids stay small and increasing, as Mastodon's own are.
-- A counter, not max(id)+1, so an id is never reused after a clear.
CREATE TABLE id_sequences (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
);
INSERT INTO id_sequences (name, value)
    VALUES ('notifications', coalesce((SELECT max(id) FROM notifications), 0));

CREATE INDEX notifications_from ON notifications (account_id, from_account_id, id DESC);

-- Filter v2 "statuses": filter one status, whatever its words.
CREATE TABLE filter_statuses (
    id          INTEGER PRIMARY KEY,
    filter_id   INTEGER NOT NULL REFERENCES filters(id) ON DELETE CASCADE,
    status_id   INTEGER NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    UNIQUE (filter_id, status_id)
);
CREATE INDEX filters_account ON filters (account_id, id);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

CREATE INDEX lists_account ON lists (account_id, id);
CREATE INDEX list_accounts_account ON list_accounts (account_id);

CREATE INDEX tag_follows_tag ON tag_follows (tag_id);
