import type { Migration } from './index.ts';

/**
 * Web sign-in sessions, the audit log of who viewed which profile or photo, and the indexes
 * that make search-as-you-type fast over 100,000 users.
 * NB: sessions keep only the SHA-256 of the cookie value, so a copy of the database does not
 * let anyone sign in as a staff member.
 */
export const WEB: Migration = {
  id: '004-web',
  sql: `
CREATE TABLE web_sessions (
  id_hash      TEXT PRIMARY KEY NOT NULL,
  username     TEXT NOT NULL,
  csrf_token   TEXT NOT NULL,
  ip           TEXT NOT NULL DEFAULT '',
  user_agent   TEXT NOT NULL DEFAULT '',
  created_at   TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);

CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  local_id  TEXT NOT NULL DEFAULT '',
  detail    TEXT NOT NULL DEFAULT '',
  ip        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_log_local_id ON audit_log (local_id, at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_at ON audit_log (at);

-- Search walks one of these in display order and stops after a page of matches, so a
-- one-letter prefix over 100,000 users costs the same as a rare one.
CREATE INDEX users_search_last ON users (active, last_name COLLATE NOCASE, first_name COLLATE NOCASE);
CREATE INDEX users_search_first ON users (active, first_name COLLATE NOCASE, last_name COLLATE NOCASE);
CREATE INDEX users_search_id ON users (active, local_id COLLATE NOCASE);
`,
};
