-- accountd schema, version 9: login activity of each account (`user.activity.*`), besides the lockout's
-- counters. Kept out of `users` so that a login writes no user row.
CREATE TABLE login_activity (
    user_id           INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    -- The last successful login (ms since the epoch) and its client address.
    last_login        INTEGER,
    last_login_ip     TEXT,
    -- The last failed password or one-time-password check (ms since the epoch).
    last_failed_login INTEGER
);
