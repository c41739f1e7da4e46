import type { Migration } from './index.ts';

/**
 * alerts: the alerts raised and not yet resolved, one row per cause. Kept in the database so an
 * alert is sent once per cause across restarts, and its resolve message still goes out after one.
 */
export const ALERTS: Migration = {
  id: '015-alerts',
  sql: `
CREATE TABLE alerts (
  cause     TEXT PRIMARY KEY,
  title     TEXT NOT NULL,
  detail    TEXT NOT NULL DEFAULT '',
  raised_at TEXT NOT NULL
);
`,
};
