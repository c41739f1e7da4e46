import type { Migration } from './index.ts';

/**
 * Lets an admin's view of a person find unmatched photos named like its Local ID in another case
 * (s12345.jpg for S12345) without reading every photo.
 */
export const PHOTOS_NOCASE: Migration = {
  id: '007-photos-nocase',
  sql: `CREATE INDEX photos_local_id_nocase ON photos (local_id COLLATE NOCASE);`,
};
