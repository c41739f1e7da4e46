import type { Migration } from './index.ts';

/**
 * What each import read: the layout it recognised and every column used (with its field) or
 * ignored, so an admin sees that `Email_Addr` filled Email instead of guessing; and why rows
 * were not imported (parents, staff without an identifier), with a count each. The lists are
 * JSON arrays: they are only ever shown whole with their import. Who each import changed, and
 * the building names a schools.csv or orgs.csv upload gives.
 */
export const IMPORT_REPORT: Migration = {
  id: '011-import-report',
  sql: `
ALTER TABLE imports ADD COLUMN layout TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN columns_used TEXT NOT NULL DEFAULT '[]';
ALTER TABLE imports ADD COLUMN columns_ignored TEXT NOT NULL DEFAULT '[]';
ALTER TABLE imports ADD COLUMN ignored_reasons TEXT NOT NULL DEFAULT '[]';

-- Who an import adds, changes (fields as JSON [{field, old, new}]), deactivates or reactivates.
-- Written for held imports too (what it would do) and kept when one is discarded.
CREATE TABLE import_changes (
  import_id  INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('added', 'changed', 'deactivated', 'reactivated')),
  local_id   TEXT NOT NULL,
  role       TEXT NOT NULL,
  name       TEXT NOT NULL,
  grade      TEXT NOT NULL DEFAULT '',
  building   TEXT NOT NULL DEFAULT '',
  fields     TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (import_id, kind, local_id)
) STRICT, WITHOUT ROWID;

-- Every file an SFTP upload session delivered, with its outcome, for /reports/ (file name,
-- Local ID through it, and the reason only: no other student data).
CREATE TABLE upload_reports (
  id          INTEGER PRIMARY KEY,
  session     TEXT NOT NULL,
  account     TEXT NOT NULL,
  received_at TEXT NOT NULL,
  day         TEXT NOT NULL,
  folder      TEXT NOT NULL,
  file        TEXT NOT NULL,
  bytes       INTEGER NOT NULL,
  outcome     TEXT NOT NULL,
  reason      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX upload_reports_session ON upload_reports (session, id);
CREATE INDEX upload_reports_day ON upload_reports (day, id);

-- Near-miss hints an admin dismissed for one unmatched photo (its file and content), so the
-- photos page stops offering them; applying a hint needs no table (the photo is ingested anew).
CREATE TABLE dismissed_hints (
  file_name     TEXT NOT NULL,
  source_sha256 TEXT NOT NULL,
  local_id      TEXT NOT NULL,
  dismissed_by  TEXT NOT NULL,
  dismissed_at  TEXT NOT NULL,
  PRIMARY KEY (file_name, source_sha256, local_id)
) STRICT, WITHOUT ROWID;

-- Building names from an uploaded schools.csv or OneRoster orgs.csv (code → name), per file.
CREATE TABLE school_names (
  source     TEXT NOT NULL,
  code       TEXT NOT NULL,
  name       TEXT NOT NULL,
  PRIMARY KEY (source, code)
) STRICT, WITHOUT ROWID;
`,
};
