-- accountd schema: external authentication sources (Foreman's auth sources), the users they own and the LDAP
-- groups local groups are linked to.
CREATE TABLE auth_sources (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT    NOT NULL UNIQUE,
    -- INTERNAL (local passwords) or LDAP.
    type              TEXT    NOT NULL,
    host              TEXT    NOT NULL DEFAULT '',
    port              INTEGER NOT NULL DEFAULT 389,
    tls               INTEGER NOT NULL DEFAULT 0,
    tls_verify        INTEGER NOT NULL DEFAULT 1,
    ca_certificate    TEXT,
    account           TEXT,
    -- Sealed (secrets.rs): the bind password of `account`.
    account_password  TEXT,
    base_dn           TEXT    NOT NULL DEFAULT '',
    groups_base       TEXT,
    ldap_filter       TEXT,
    attr_login        TEXT    NOT NULL DEFAULT 'uid',
    attr_firstname    TEXT    NOT NULL DEFAULT 'givenName',
    attr_lastname     TEXT    NOT NULL DEFAULT 'sn',
    attr_mail         TEXT    NOT NULL DEFAULT 'mail',
    server_type       TEXT    NOT NULL DEFAULT 'posix',
    onthefly_register INTEGER NOT NULL DEFAULT 0,
    default_group     INTEGER REFERENCES groups(id) ON DELETE SET NULL,
    usergroup_sync    INTEGER NOT NULL DEFAULT 1,
    use_netgroups     INTEGER NOT NULL DEFAULT 0,
    timeout           INTEGER NOT NULL DEFAULT 10,
    -- HEALTHY or FAULTED, set by the last login or test.
    status            TEXT    NOT NULL DEFAULT 'HEALTHY',
    status_msg        TEXT    NOT NULL DEFAULT ''
);
INSERT INTO auth_sources (id, name, type) VALUES (1, 'Internal', 'INTERNAL');

-- The source of each user whose source is not Internal (a user without a row here is Internal's).
CREATE TABLE user_auth_sources (
    user_id        INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    auth_source_id INTEGER NOT NULL REFERENCES auth_sources(id)
);
CREATE INDEX user_auth_sources_source ON user_auth_sources(auth_source_id);

-- Local groups linked to groups of an LDAP source: its users' membership of the local group follows the
-- directory.
CREATE TABLE group_external (
    group_id       INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    auth_source_id INTEGER NOT NULL REFERENCES auth_sources(id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    PRIMARY KEY (group_id, auth_source_id, name)
) WITHOUT ROWID;
CREATE INDEX group_external_source ON group_external(auth_source_id);
