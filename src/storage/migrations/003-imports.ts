import type { Migration } from './index.ts';

/**
 * The history of data-file imports (rosters, and later devices): what came in, what it did,
 * and every line that could not be imported. A held import keeps its file under
 * data_dir/imports/held/<id>/ until an admin approves or discards it.
 */
export const IMPORTS: Migration = {
  id: '003-imports',
  sql: `
CREATE TABLE imports (
  id            INTEGER PRIMARY KEY,
  file          TEXT NOT NULL,
  source        TEXT NOT NULL,
  kind          TEXT NOT NULL,
  origin        TEXT NOT NULL DEFAULT '',
  sha256        TEXT NOT NULL,
  bytes         INTEGER NOT NULL DEFAULT 0,
  format        TEXT NOT NULL DEFAULT '',
  encoding      TEXT NOT NULL DEFAULT '',
  delimiter     TEXT NOT NULL DEFAULT '',
  status        TEXT NOT NULL CHECK (status IN ('applied', 'held', 'refused', 'discarded', 'skipped')),
  reason        TEXT NOT NULL DEFAULT '',
  rows          INTEGER NOT NULL DEFAULT 0,
  added         INTEGER NOT NULL DEFAULT 0,
  updated       INTEGER NOT NULL DEFAULT 0,
  unchanged     INTEGER NOT NULL DEFAULT 0,
  deactivated   INTEGER NOT NULL DEFAULT 0,
  reactivated   INTEGER NOT NULL DEFAULT 0,
  ignored       INTEGER NOT NULL DEFAULT 0,
  error_count   INTEGER NOT NULL DEFAULT 0,
  photos_linked INTEGER NOT NULL DEFAULT 0,
  held_dir      TEXT NOT NULL DEFAULT '',
  received_at   TEXT NOT NULL,
  decided_at    TEXT,
  decided_by    TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX imports_source ON imports (source, id);
CREATE INDEX imports_status ON imports (status) WHERE status = 'held';

CREATE TABLE import_errors (
  import_id  INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
  line       INTEGER NOT NULL,
  local_id   TEXT NOT NULL DEFAULT '',
  message    TEXT NOT NULL
) STRICT;
CREATE INDEX import_errors_import ON import_errors (import_id, line);
`,
};
