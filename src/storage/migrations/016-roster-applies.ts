import type { Migration } from './index.ts';

/**
 * roster_applies: a roster import that was accepted and is being written to `users` in short
 * transactions. The row is the promise "this import will be applied": it commits with the
 * decision, and goes with the last chunk's outcome. A start-up that finds one finishes the apply
 * from its staged rows (the work is repeatable), so a crash never leaves half a roster.
 */
export const ROSTER_APPLIES: Migration = {
  id: '016-roster-applies',
  sql: `
CREATE TABLE roster_applies (
  import_id        INTEGER PRIMARY KEY REFERENCES imports(id),
  staging          TEXT NOT NULL,
  source           TEXT NOT NULL,
  now              TEXT NOT NULL,
  linked           INTEGER NOT NULL DEFAULT 0,
  outcome          TEXT NOT NULL,
  actor            TEXT NOT NULL DEFAULT ''
) STRICT;
`,
};
