-- Web Push (Mastodon's /api/v1/push/subscription): one subscription per
-- access token; a push is a row in a durable queue, claimed with a lease.

-- endpoint: the push service's URL for one browser or app; key_p256dh and
-- key_auth: the client's ECDH public key and auth secret (RFC 8291), as
-- sent (base64, either alphabet). alerts_json: the notification types the
-- client asked for, a JSON object of booleans. policy: all, followed,
-- follower or none. standard = 1: RFC 8291 aes128gcm with RFC 8292 VAPID;
-- 0: the drafts Mastodon used before 4.4 (aesgcm, "WebPush" JWT).
-- access_token_blob: the subscription's bearer token, AES-GCM under the
-- node's vault key (outside the database), for the payload's access_token.
CREATE TABLE push_subscriptions (
    id                 INTEGER PRIMARY KEY,
    account_id         INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_id           INTEGER NOT NULL UNIQUE REFERENCES oauth_tokens(id) ON DELETE CASCADE,
    endpoint           TEXT NOT NULL,
    key_p256dh         TEXT NOT NULL,
    key_auth           TEXT NOT NULL,
    standard           INTEGER NOT NULL DEFAULT 0,
    alerts_json        TEXT NOT NULL,
    policy             TEXT NOT NULL,
    access_token_blob  TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);

-- One row per (notification, subscription) to send. state: queued or
-- in_flight (claimed_until is the lease); a sent or abandoned row is
-- deleted. Deleting the notification or the subscription deletes the row.
CREATE TABLE web_push_queue (
    notification_id  INTEGER NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    subscription_id  INTEGER NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
    state            TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_until    TEXT,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    PRIMARY KEY (notification_id, subscription_id)
);
CREATE INDEX web_push_queue_due ON web_push_queue (state, next_attempt_at);
CREATE INDEX web_push_queue_subscription ON web_push_queue (subscription_id);
