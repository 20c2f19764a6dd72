-- Figures the compliance report and the admin overview's charts need that
-- no other row keeps (articles 7(6), 8, 10). Days are UTC dates
-- (YYYY-MM-DD), counts only ever grow, and every writer adds to them with
-- ON CONFLICT ... DO UPDATE, so several processes may count at once.

-- Screening decisions per day and category: 'hit' once per decision for
-- each category it hit, 'shadow' for a shadow category's would-be hit, and
-- the decision's own action for its deciding category ('reject', 'review',
-- 'sensitive', 'flag').
CREATE TABLE screening_outcomes (
    day       TEXT NOT NULL,
    category  TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    total     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, category, outcome)
);

-- Federation refused, by reason: inbound requests the inbox or a signed
-- GET turned away (no signature, bad signature, not_permitted, origin...).
-- Outbound refusals are deliveries dropped by the permit gate (state
-- 'dropped' in deliveries, then delivery_days).
CREATE TABLE federation_refusals (
    day        TEXT NOT NULL,
    direction  TEXT NOT NULL CHECK (direction IN ('inbound','outbound')),
    reason     TEXT NOT NULL,
    host       TEXT NOT NULL,
    total      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, direction, reason, host)
);

-- Finished deliveries are pruned after a week; before a row goes, it is
-- added here, so the figures of any period outlive the rows.
CREATE TABLE delivery_days (
    day     TEXT NOT NULL,
    host    TEXT NOT NULL,
    state   TEXT NOT NULL,
    reason  TEXT NOT NULL DEFAULT '',
    total   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, host, state, reason)
);
