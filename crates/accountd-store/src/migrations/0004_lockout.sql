-- accountd schema, version 3: login lockout state (the account policy's lockout).
-- Recent failed password and one-time-password checks of an account, on one of two counters: `known` = 1 for
-- failures from the account's known origins, 0 for every other address.
CREATE TABLE login_failures (
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    known        INTEGER NOT NULL,
    -- JSON array of the failures' times (ms since the epoch), oldest first.
    failures     TEXT    NOT NULL,
    -- Logins on this counter are refused until then (ms since the epoch).
    locked_until INTEGER,
    PRIMARY KEY (user_id, known)
);

-- The addresses an account logged in from successfully (its known origins), with the last such login.
CREATE TABLE login_origins (
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address      TEXT    NOT NULL,
    last_success INTEGER NOT NULL,
    PRIMARY KEY (user_id, address)
);
