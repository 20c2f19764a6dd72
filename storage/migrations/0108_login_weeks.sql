-- Which local users signed in during which week (a web sign-in or an
-- OAuth token issued to them), for the instance's weekly `logins`
-- (GET /api/v1/instance/activity). `week` is the Monday the week starts
-- on, YYYY-MM-DD in UTC, as Mastodon's activity weeks.
CREATE TABLE login_weeks (
    account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    week        TEXT NOT NULL,
    PRIMARY KEY (account_id, week)
);
CREATE INDEX login_weeks_week ON login_weeks (week);
