-- Remote accounts their own node deleted (an inbound Delete of the actor,
-- which a Mastodon-class node sends when it suspends one of its accounts).
-- The account is hidden here through accounts.suspended_at; this row says
-- the suspension came from its origin, so the origin's later Update of the
-- actor (an unsuspension) lifts it, while a suspension decided by this
-- node's moderators (an open account_sanctions row) stays. Mastodon keeps
-- the same distinction in accounts.suspension_origin.
CREATE TABLE origin_suspensions (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    activity_id TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL
);
