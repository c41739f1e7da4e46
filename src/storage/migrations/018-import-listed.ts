import type { Migration } from './index.ts';

/**
 * imports.listed: how many people an import's list (import_changes) holds, kept with each chunk
 * written. The budget over all lists is then kept from the imports alone; counting a million
 * listed people at the end of every import held the appliance for a quarter of a second.
 */
export const IMPORT_LISTED: Migration = {
  id: '018-import-listed',
  sql: `
ALTER TABLE imports ADD COLUMN listed INTEGER NOT NULL DEFAULT 0;
UPDATE imports SET listed = (SELECT count(*) FROM import_changes c WHERE c.import_id = imports.id);
`,
};
