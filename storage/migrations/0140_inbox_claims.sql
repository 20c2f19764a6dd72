-- Inbox rows applied in batches by several workers (issue #12).
--
-- A claim is a lease held by one worker: `claimed_by` names the worker,
-- `lease_until` says until when the claim is live (a working worker
-- extends it; a crashed worker's rows are claimable again after it). A
-- claim skips every actor with a row 'processing' under a live lease,
-- so one actor's activities are never applied by two workers at once,
-- nor out of order; the index finds those rows.
ALTER TABLE inbox_activities ADD COLUMN claimed_by TEXT;
ALTER TABLE inbox_activities ADD COLUMN lease_until TEXT;
CREATE INDEX inbox_activities_claims ON inbox_activities (actor, lease_until) WHERE state = 'processing';

-- Replies that came before their parent are linked when it is stored
-- (`link_replies`, for every remote status stored): without this index
-- that was a walk of every status not a reply (`in_reply_to_id IS NULL`).
-- Both columns, so that SQLite's planner, without statistics, prefers it.
CREATE INDEX statuses_reply_uri ON statuses (in_reply_to_uri, in_reply_to_id) WHERE in_reply_to_uri IS NOT NULL;
