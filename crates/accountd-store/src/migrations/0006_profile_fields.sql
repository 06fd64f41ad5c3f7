-- accountd schema: the profile fields of a user (Foreman's description, locale and time zone).
-- `description`: free text (at most 1024 characters, no control characters) or NULL.
-- `locale`: one of the supported locale codes (e.g. `de`, `en_GB`) or NULL.
-- `timezone`: an IANA zone name (e.g. `Europe/Berlin`) or NULL.
ALTER TABLE users ADD COLUMN description TEXT;
ALTER TABLE users ADD COLUMN locale TEXT;
ALTER TABLE users ADD COLUMN timezone TEXT;
