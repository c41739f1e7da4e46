import type { Migration } from './index.ts';

/**
 * Each upgrade of the data folder by a newer idphotos: the version, the migrations it applied,
 * and the backup it took before (relative to data_dir), for an admin who needs to go back.
 */
export const UPGRADES: Migration = {
  id: '013-upgrades',
  sql: `
CREATE TABLE upgrades (
  id         INTEGER PRIMARY KEY,
  at         TEXT NOT NULL,
  version    TEXT NOT NULL,
  migrations TEXT NOT NULL,
  backup     TEXT NOT NULL
) STRICT;
`,
};
