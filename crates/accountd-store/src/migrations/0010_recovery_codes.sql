-- accountd schema: two-factor recovery codes.
-- One row per unused recovery code of a user, kept only as the SHA-256 digest (hex) of the code's normalized
-- form, never the code. A code's row is deleted when it is used; all of a user's rows when the user's TOTP
-- secret is renewed or removed, when new codes are issued, and with the user.
CREATE TABLE twofactor_recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    digest  TEXT    NOT NULL,
    PRIMARY KEY (user_id, digest)
) WITHOUT ROWID;
