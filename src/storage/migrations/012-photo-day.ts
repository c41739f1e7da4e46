import type { Migration } from './index.ts';

/**
 * Photo day in, photos out, under FERPA.
 * - Integration tokens: bearer tokens another system (an ID-card printer, the library system)
 *   reads photos and records with. NB: only the SHA-256 of a token is kept, like web sessions,
 *   so a copy of the database hands out no working token. A revoked token keeps its row (the
 *   audit log names it) and is refused from the next request on.
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
`,
};
