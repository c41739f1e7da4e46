import type { Migration } from './index.ts';

/**
 * What each import read: the layout it recognised and every column used (with its field) or
 * ignored, so an admin sees that `Email_Addr` filled Email instead of guessing; and why rows
 * were not imported (parents, staff without an identifier), with a count each. The lists are
 * JSON arrays: they are only ever shown whole with their import.
 */
export const IMPORT_REPORT: Migration = {
  id: '011-import-report',
  sql: `
ALTER TABLE imports ADD COLUMN layout TEXT NOT NULL DEFAULT '';
ALTER TABLE imports ADD COLUMN columns_used TEXT NOT NULL DEFAULT '[]';
ALTER TABLE imports ADD COLUMN columns_ignored TEXT NOT NULL DEFAULT '[]';
ALTER TABLE imports ADD COLUMN ignored_reasons TEXT NOT NULL DEFAULT '[]';
`,
};
