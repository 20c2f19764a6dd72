-- The permit registry (article 7(6)): the node federates only with hosts
-- listed here as active and unexpired, whose self-declared number (NodeInfo
-- metadata.permit) matches. Hosts are normalised by policy.permits
-- (lower-case, IDNA, default port dropped, other ports kept: "host:8443").

CREATE TABLE permits (
    host         TEXT PRIMARY KEY CHECK (host <> '' AND host = lower(host)),
    id           INTEGER NOT NULL UNIQUE,          -- the admin API's id (storage.ids)
    number       TEXT NOT NULL,                    -- e.g. 京ICP备12345678号-1
    kind         TEXT NOT NULL CHECK (kind IN ('filing','licence')),
    holder       TEXT NOT NULL DEFAULT '',         -- the permit holder's name
    status       TEXT NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active','suspended','revoked')),
    valid_until  TEXT,                             -- ISO date, inclusive; NULL: no end
    source       TEXT NOT NULL DEFAULT '',         -- cli, import:FILE, admin-api
    note         TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX permits_status ON permits (status, host);

-- What each peer last declared in its NodeInfo, kept for a TTL so the gate
-- does not ask on every request. declared_number NULL with error NULL: the
-- peer declares none; error set: it could not be asked.
CREATE TABLE peer_declarations (
    host             TEXT PRIMARY KEY,
    declared_number  TEXT,
    checked_at       TEXT NOT NULL,
    error            TEXT
);
