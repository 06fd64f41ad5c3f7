-- The builtin group `truenas_webshare` (gid 445, TrueNAS 26.04's LocalBuiltinAdminGroups.TRUENAS_WEBSHARE_ADMINISTRATORS):
-- a user's `webshare` flag is membership of it. A name or gid an existing group already holds stays that group's.
INSERT INTO groups (gid, name, builtin, smb, userns_idmap)
    SELECT 445, 'truenas_webshare', 1, 0, NULL
    WHERE NOT EXISTS (SELECT 1 FROM groups WHERE gid = 445 OR name = 'truenas_webshare');
