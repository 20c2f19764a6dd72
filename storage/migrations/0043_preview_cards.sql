-- Link preview cards (Mastodon's PreviewCard): one row per URL, fetched
-- only from permitted hosts; a status shows the card of its first link.
CREATE TABLE preview_cards (
    id             INTEGER PRIMARY KEY,
    url            TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL,
    provider_name  TEXT NOT NULL,
    image_url      TEXT,
    width          INTEGER NOT NULL DEFAULT 0,
    height         INTEGER NOT NULL DEFAULT 0,
    fetched_at     TEXT NOT NULL
);

CREATE TABLE status_cards (
    status_id  INTEGER PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
    card_id    INTEGER NOT NULL REFERENCES preview_cards(id) ON DELETE CASCADE
);
