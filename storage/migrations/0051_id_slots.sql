-- Which serving process holds which id slot (storage/ids.py): a lease,
-- renewed while the process lives, so ids of two processes never collide.
CREATE TABLE id_slots (
    slot          INTEGER PRIMARY KEY,
    holder        TEXT NOT NULL,
    leased_until  TEXT NOT NULL
);
