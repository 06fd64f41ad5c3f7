-- accountd schema, version 1.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE groups (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    gid                    INTEGER NOT NULL UNIQUE,
    name                   TEXT    NOT NULL UNIQUE,
    builtin                INTEGER NOT NULL DEFAULT 0,
    smb                    INTEGER NOT NULL DEFAULT 1,
    sudo_commands          TEXT    NOT NULL DEFAULT '[]',
    sudo_commands_nopasswd TEXT    NOT NULL DEFAULT '[]',
    userns_idmap           TEXT
);

CREATE TABLE users (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    uid                    INTEGER NOT NULL UNIQUE,
    username               TEXT    NOT NULL UNIQUE,
    unixhash               TEXT    NOT NULL DEFAULT '*',
    smbhash                TEXT    NOT NULL DEFAULT '*',
    home                   TEXT    NOT NULL DEFAULT '/var/empty',
    shell                  TEXT    NOT NULL DEFAULT '/usr/bin/zsh',
    full_name              TEXT    NOT NULL,
    builtin                INTEGER NOT NULL DEFAULT 0,
    smb                    INTEGER NOT NULL DEFAULT 1,
    userns_idmap           TEXT,
    group_id               INTEGER NOT NULL REFERENCES groups(id),
    password_disabled      INTEGER NOT NULL DEFAULT 0,
    ssh_password_enabled   INTEGER NOT NULL DEFAULT 0,
    locked                 INTEGER NOT NULL DEFAULT 0,
    sudo_commands          TEXT    NOT NULL DEFAULT '[]',
    sudo_commands_nopasswd TEXT    NOT NULL DEFAULT '[]',
    email                  TEXT,
    sshpubkey              TEXT,
    last_password_change   INTEGER,
    password_history       TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX users_group_id ON users(group_id);
CREATE INDEX users_username_lower ON users(lower(username));
CREATE INDEX users_home ON users(home);
CREATE INDEX users_idmap ON users(userns_idmap) WHERE userns_idmap IS NOT NULL;

CREATE TABLE memberships (
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
) WITHOUT ROWID;
CREATE INDEX memberships_group ON memberships(group_id);

CREATE TABLE privileges (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    builtin_name TEXT UNIQUE,
    web_shell    INTEGER NOT NULL DEFAULT 0,
    roles        TEXT NOT NULL DEFAULT '[]'
);

CREATE TABLE privilege_groups (
    privilege_id INTEGER NOT NULL REFERENCES privileges(id) ON DELETE CASCADE,
    group_id     INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    PRIMARY KEY (privilege_id, group_id)
) WITHOUT ROWID;

CREATE TABLE user_attributes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key     TEXT NOT NULL,
    value   TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
) WITHOUT ROWID;

CREATE TABLE twofactor (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret     TEXT,
    otp_digits INTEGER NOT NULL DEFAULT 6,
    interval   INTEGER NOT NULL DEFAULT 30
);

-- The builtin accounts of a TrueNAS system.
INSERT INTO groups (id, gid, name, builtin, smb) VALUES
    (1, 0,     'root',                            1, 0),
    (2, 544,   'builtin_administrators',          1, 1),
    (3, 545,   'builtin_users',                   1, 1),
    (4, 951,   'truenas_readonly_administrators', 1, 0),
    (5, 952,   'truenas_sharing_administrators',  1, 0),
    (6, 65534, 'nogroup',                         1, 0);

INSERT INTO users (id, uid, username, home, shell, full_name, builtin, smb, group_id, password_disabled) VALUES
    (1, 0,     'root',   '/root',      '/usr/bin/zsh',      'root',   1, 0, 1, 0),
    (2, 65534, 'nobody', '/var/empty', '/usr/sbin/nologin', 'nobody', 1, 0, 6, 1);

INSERT INTO memberships (user_id, group_id) VALUES (1, 2);
INSERT INTO twofactor (user_id) VALUES (1), (2);

INSERT INTO privileges (id, name, builtin_name, web_shell, roles) VALUES
    (1, 'Local Administrator',     'LOCAL_ADMINISTRATOR',     1, '["FULL_ADMIN"]'),
    (2, 'Read-Only Administrator', 'READONLY_ADMINISTRATOR',  0, '["READONLY_ADMIN"]'),
    (3, 'Sharing Administrator',   'SHARING_ADMINISTRATOR',   0, '["SHARING_ADMIN"]');
INSERT INTO privilege_groups (privilege_id, group_id) VALUES (1, 2), (2, 4), (3, 5);
