-- accountd schema, version 2: API keys and two-factor replay protection.
CREATE TABLE api_keys (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT    NOT NULL UNIQUE,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- Salted hash of the secret part of the key; the key itself is never stored.
    key_hash       TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    revoked        INTEGER NOT NULL DEFAULT 0,
    revoked_reason TEXT
);
CREATE INDEX api_keys_user ON api_keys(user_id);

-- The last TOTP time step accepted for the user: a code's step can be used only once.
ALTER TABLE twofactor ADD COLUMN last_step INTEGER;
