import type { Migration } from './index.ts';

/**
 * Everyone who has signed in to the web viewer, however they did (a local account, OpenID
 * Connect or LDAP), with the role the directory gave them last, when the directory was last
 * asked, and whether an admin blocked them on this appliance. Sessions point at their person
 * so that a block or a directory's "no" ends them all at once.
 * NB: `subject` is what the directory never reuses (OIDC issuer + sub, an LDAP DN, a local user
 * name); `identity` is what the audit log names (the e-mail, the DN, the user name).
 */
export const DIRECTORY_STAFF: Migration = {
  id: '010-directory-staff',
  sql: `
CREATE TABLE web_staff (
  id              INTEGER PRIMARY KEY,
  method          TEXT NOT NULL CHECK (method IN ('local', 'oidc', 'ldap')),
  subject         TEXT NOT NULL,
  identity        TEXT NOT NULL,
  name            TEXT NOT NULL DEFAULT '',
  role            TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
  first_signin_at TEXT NOT NULL,
  last_signin_at  TEXT NOT NULL,
  checked_at      TEXT NOT NULL,
  refresh_token   TEXT NOT NULL DEFAULT '',
  blocked_at      TEXT,
  blocked_by      TEXT NOT NULL DEFAULT '',
  UNIQUE (method, subject)
) STRICT;
ALTER TABLE web_sessions ADD COLUMN staff_id INTEGER REFERENCES web_staff (id) ON DELETE CASCADE;
CREATE INDEX web_sessions_staff ON web_sessions (staff_id);
`,
};
