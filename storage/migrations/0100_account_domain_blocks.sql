-- A user's own domain blocks (Mastodon's account_domain_blocks): the
-- accounts of `domain` leave the user's timelines and notifications, and
-- follows between the user and them end when the block is made
-- (storage/domain_blocks.py). `domain` is a normalised host, as permits.

CREATE TABLE account_domain_blocks (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    domain      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (account_id, domain)
);
CREATE INDEX account_domain_blocks_page ON account_domain_blocks (account_id, id);
