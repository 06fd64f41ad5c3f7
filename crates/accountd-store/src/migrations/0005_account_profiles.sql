-- accountd schema, version 5: account profiles (the account policy).
-- A named policy: lockout limits, session cap, password rules and expiry. Every user points at one.
CREATE TABLE account_profiles (
    id                          INTEGER PRIMARY KEY AUTOINCREMENT,
    name                        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    builtin                     INTEGER NOT NULL DEFAULT 0,
    lockout_max_auth_failures   INTEGER NOT NULL,
    -- Seconds; 0: failures never expire.
    lockout_evaluation_period   INTEGER NOT NULL,
    -- Seconds.
    lockout_period              INTEGER NOT NULL,
    -- 0: unlimited.
    max_concurrent_sessions     INTEGER NOT NULL,
    password_expiration_days    INTEGER,
    min_password_age            INTEGER,
    password_history_length     INTEGER,
    min_password_length         INTEGER,
    -- JSON array of UPPER, LOWER, NUMBER, SPECIAL, or NULL.
    password_complexity_ruleset TEXT,
    check_common_passwords      INTEGER NOT NULL DEFAULT 0,
    expired_password_action     TEXT    NOT NULL DEFAULT 'RESTRICT'
);

INSERT INTO account_profiles (id, name, builtin, lockout_max_auth_failures, lockout_evaluation_period,
    lockout_period, max_concurrent_sessions, password_expiration_days, min_password_age, password_history_length,
    min_password_length, password_complexity_ruleset, check_common_passwords, expired_password_action)
VALUES
    (1, 'Default',    1, 10, 900, 900, 0,  NULL, NULL, NULL, NULL, NULL, 0, 'RESTRICT'),
    (2, 'No-Lockout', 1, 0,  900, 900, 0,  NULL, NULL, NULL, NULL, NULL, 0, 'RESTRICT'),
    (3, 'Hardened',   1, 5,  900, 900, 10, NULL, NULL, 5,    12,   NULL, 1, 'RESTRICT');

-- The profile of each user (existing users get Default). Checked by the service (SQLite cannot add a column
-- with a foreign key and a non-null default).
ALTER TABLE users ADD COLUMN account_profile INTEGER NOT NULL DEFAULT 1;
CREATE INDEX users_account_profile ON users(account_profile);
-- Set by an administrator: the user must change the password at the next login.
ALTER TABLE users ADD COLUMN password_change_required INTEGER NOT NULL DEFAULT 0;
