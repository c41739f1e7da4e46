import type { Migration } from './index.ts';

/**
 * Users come from roster imports. `local_id` is compared exactly (SQLite's default BINARY
 * collation is case-sensitive), which is the photo matching rule.
 */
export const USERS: Migration = {
  id: '001-users',
  sql: `
CREATE TABLE users (
  local_id     TEXT PRIMARY KEY NOT NULL,
  first_name   TEXT NOT NULL,
  last_name    TEXT NOT NULL,
  middle_name  TEXT NOT NULL DEFAULT '',
  role         TEXT NOT NULL CHECK (role IN ('student', 'staff')),
  grade        TEXT NOT NULL DEFAULT '',
  building     TEXT NOT NULL DEFAULT '',
  email        TEXT NOT NULL DEFAULT '',
  username     TEXT NOT NULL DEFAULT '',
  position     TEXT NOT NULL DEFAULT '',
  active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  source       TEXT NOT NULL DEFAULT '',
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL,
  deactivated_at TEXT
) STRICT;
CREATE INDEX users_last_first ON users (last_name COLLATE NOCASE, first_name COLLATE NOCASE);
CREATE INDEX users_building_grade ON users (building, grade);
`,
};
