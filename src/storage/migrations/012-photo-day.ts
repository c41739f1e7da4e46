import type { Migration } from './index.ts';

/**
 * Photo day in, photos out, under FERPA.
 * - Integration tokens: bearer tokens another system (an ID-card printer, the library system)
 *   reads photos and records with. NB: only the SHA-256 of a token is kept, like web sessions,
 *   so a copy of the database hands out no working token. A revoked token keeps its row (the
 *   audit log names it) and is refused from the next request on.
 * - Vendor deliveries: a picture-day zip (PSPA INDEX.TXT or Destiny idlink.txt) is one delivery,
 *   each line of its index one item, matched, waiting for an admin's pick, or refused with why.
 * - Directory opt-out: a roster column marks a person whose photo is withheld (FERPA directory
 *   information); imports count the opted-out rows of each file for the import report.
 */
export const PHOTO_DAY: Migration = {
  id: '012-photo-day',
  sql: `
CREATE TABLE integration_tokens (
  name        TEXT PRIMARY KEY NOT NULL,
  token_hash  TEXT NOT NULL UNIQUE,
  scope       TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  revoked_at  TEXT,
  revoked_by  TEXT
) STRICT;

ALTER TABLE users ADD COLUMN opt_out INTEGER NOT NULL DEFAULT 0 CHECK (opt_out IN (0, 1));
ALTER TABLE imports ADD COLUMN opted_out INTEGER NOT NULL DEFAULT 0;

CREATE TABLE deliveries (
  id             INTEGER PRIMARY KEY,
  file_name      TEXT NOT NULL,
  sha256         TEXT NOT NULL,
  bytes          INTEGER NOT NULL,
  mtime          INTEGER NOT NULL,
  account        TEXT NOT NULL,
  remote_address TEXT NOT NULL DEFAULT '',
  kind           TEXT NOT NULL DEFAULT '',
  encoding       TEXT NOT NULL DEFAULT '',
  status         TEXT NOT NULL CHECK (status IN ('applying', 'done', 'refused', 'duplicate')),
  reason         TEXT NOT NULL DEFAULT '',
  listed         INTEGER NOT NULL DEFAULT 1,
  received_at    TEXT NOT NULL,
  finished_at    TEXT
) STRICT;
CREATE INDEX deliveries_sha ON deliveries (sha256);
CREATE INDEX deliveries_listed ON deliveries (file_name, id) WHERE listed = 1;

CREATE TABLE delivery_items (
  delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
  n           INTEGER NOT NULL,
  line        INTEGER NOT NULL,
  image       TEXT NOT NULL,
  student_id  TEXT NOT NULL DEFAULT '',
  last_name   TEXT NOT NULL DEFAULT '',
  first_name  TEXT NOT NULL DEFAULT '',
  grade       TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL CHECK (status IN ('matched', 'waiting', 'refused', 'assigned', 'discarded')),
  reason      TEXT NOT NULL DEFAULT '',
  local_id    TEXT NOT NULL DEFAULT '',
  candidates  TEXT NOT NULL DEFAULT '[]',
  applied     INTEGER NOT NULL DEFAULT 0,
  kept_path   TEXT NOT NULL DEFAULT '',
  decided_by  TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (delivery_id, n)
) STRICT;
CREATE INDEX delivery_items_waiting ON delivery_items (delivery_id) WHERE status = 'waiting';
`,
};
