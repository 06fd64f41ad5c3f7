-- accountd schema: tenants (Avi's tenants, Foreman's organizations and locations), per-tenant grants of users
-- (`UserEntry.access`), the tenant a user's sessions start in, the owner tenant and description of privileges,
-- and the builtin privileges Default, Tenant Administrator and Tenant Read-Only.

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Unique case-insensitively (the core compares Unicode lower case; NOCASE backs it for ASCII).
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    description TEXT,
    -- JSON list of {"key": ..., "value": ...}.
    attrs       TEXT    NOT NULL DEFAULT '[]',
    builtin     INTEGER NOT NULL DEFAULT 0
);
-- Avi's global tenant.
INSERT INTO tenants (id, name, description, builtin) VALUES (1, 'admin', NULL, 1);

-- null: a global privilege; else it is granted in this tenant only.
ALTER TABLE privileges ADD COLUMN description TEXT;
ALTER TABLE privileges ADD COLUMN tenant_id INTEGER REFERENCES tenants(id);

-- The tenant a user's sessions start in (null: the first tenant the user has access in, else admin).
ALTER TABLE users ADD COLUMN default_tenant INTEGER REFERENCES tenants(id);

-- A user's access entries: "this privilege's roles in this tenant" or "in every tenant", in the order given.
CREATE TABLE user_access (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    privilege_id INTEGER NOT NULL REFERENCES privileges(id) ON DELETE CASCADE,
    tenant_id    INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    all_tenants  INTEGER NOT NULL DEFAULT 0,
    CHECK ((tenant_id IS NULL) = (all_tenants <> 0))
);
CREATE UNIQUE INDEX user_access_entry ON user_access (user_id, privilege_id, IFNULL(tenant_id, 0));
-- The members of a tenant, for tenant-scoped reads.
CREATE INDEX user_access_tenant ON user_access (tenant_id, user_id);
CREATE INDEX user_access_all_tenants ON user_access (all_tenants, user_id);
CREATE INDEX user_access_privilege ON user_access (privilege_id);
CREATE INDEX privileges_tenant ON privileges (tenant_id);
CREATE INDEX users_default_tenant ON users (default_tenant);

-- A user-made privilege already named as a new builtin one keeps its id and gets its id appended to its name.
UPDATE privileges SET name = name || ' (' || id || ')'
    WHERE builtin_name IS NULL AND name IN ('Default', 'Tenant Administrator', 'Tenant Read-Only');
INSERT INTO privileges (name, builtin_name, web_shell, roles, description) VALUES
    ('Default', 'DEFAULT', 0, '[]', 'Applies to every user (Foreman''s Default role); its roles are editable.'),
    ('Tenant Administrator', 'TENANT_ADMINISTRATOR', 0,
     '["ACCOUNT_WRITE","API_KEY_WRITE","PRIVILEGE_WRITE","TENANT_READ"]',
     'Manages the users, API keys and privileges of the tenants it is granted in.'),
    ('Tenant Read-Only', 'TENANT_READONLY', 0, '["ACCOUNT_READ","API_KEY_READ"]',
     'Reads the users and API keys of the tenants it is granted in.');
