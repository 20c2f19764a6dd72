-- Scheduled statuses (Mastodon's scheduled_statuses): a status's
-- parameters kept until `scheduled_at`, then published by the background
-- worker through the same gate as a post (node/scheduled_setup.py).
-- `params_json` holds what PostStatusService takes (text, visibility,
-- spoiler, sensitive, language, in_reply_to_id, media_ids, poll...).
-- `state`: 'scheduled' until published (then the row is deleted in the
-- status's own transaction) or 'refused' when the gate refused it at
-- publication time (`refusal` says why; kept for the author's record,
-- never listed by the API). A worker claims a due row by setting
-- `lease_token` and `lease_until` in one write transaction; a lease that
-- runs out (a crashed process) makes the row due again.
CREATE TABLE scheduled_statuses (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    application_id  INTEGER,
    scheduled_at    TEXT NOT NULL,
    params_json     TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'refused')),
    refusal         TEXT,
    lease_token     TEXT,
    lease_until     TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX scheduled_statuses_due ON scheduled_statuses (state, scheduled_at);
CREATE INDEX scheduled_statuses_account ON scheduled_statuses (account_id, id);

-- Media reserved for a scheduled status: no other post may take them and
-- the sweep of unattached uploads leaves them; cancelling the scheduled
-- status releases them.
ALTER TABLE media_attachments ADD COLUMN scheduled_status_id INTEGER
    REFERENCES scheduled_statuses(id) ON DELETE SET NULL;
CREATE INDEX media_attachments_scheduled ON media_attachments (scheduled_status_id)
    WHERE scheduled_status_id IS NOT NULL;
