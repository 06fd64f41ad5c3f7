-- accountd schema: the outgoing mail settings (TrueNAS's `system.email`), the settings of password reset by email
-- and the pending reset tokens.

-- One row (id 1): how mail goes out.
CREATE TABLE mail_settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    fromemail      TEXT    NOT NULL DEFAULT '',
    fromname       TEXT    NOT NULL DEFAULT '',
    outgoingserver TEXT    NOT NULL DEFAULT '',
    port           INTEGER NOT NULL DEFAULT 25,
    -- PLAIN, SSL (TLS from the first byte) or TLS (STARTTLS).
    security       TEXT    NOT NULL DEFAULT 'PLAIN',
    -- SMTP AUTH with `user` and `pass`.
    smtp           INTEGER NOT NULL DEFAULT 0,
    user           TEXT,
    -- Sealed (secrets.rs): the SMTP password.
    pass           TEXT
);
INSERT INTO mail_settings (id) VALUES (1);

-- One row (id 1): password reset by email.
CREATE TABLE password_reset_settings (
    id                              INTEGER PRIMARY KEY CHECK (id = 1),
    enabled                         INTEGER NOT NULL DEFAULT 0,
    -- Seconds a reset link stays valid.
    token_ttl                       INTEGER NOT NULL DEFAULT 86400,
    -- The link with `{token}` in it; null: the service's own reset page.
    url_template                    TEXT,
    allow_unprivileged_self_service INTEGER NOT NULL DEFAULT 0
);
INSERT INTO password_reset_settings (id) VALUES (1);

-- The pending reset token of a user (at most one: a new request replaces it), as the SHA-256 digest of the token.
CREATE TABLE password_reset_tokens (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    digest     TEXT    NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
);
