import type { Migration } from './index.ts';

/**
 * imports.in_progress: an import being compared, listed or applied (issue 12's streamed imports
 * record it before it is decided). The status column's CHECK predates that state and SQLite
 * cannot change a CHECK without rebuilding the table, whose rebuild would cascade-delete the
 * error lines and lists; so the row keeps a valid decided status and this flag says it is not
 * decided yet. The import store reads such a row as status `in_progress`.
 */
export const IMPORT_IN_PROGRESS: Migration = {
  id: '019-import-in-progress',
  sql: `
ALTER TABLE imports ADD COLUMN in_progress INTEGER NOT NULL DEFAULT 0 CHECK (in_progress IN (0, 1));
UPDATE imports SET in_progress = 1 WHERE status = 'refused' AND reason = 'in progress';
UPDATE imports SET reason = '' WHERE in_progress = 1;
`,
};
