import type { Migration } from './index.ts';

/** Finds the last backup for the status page without reading the whole audit log. */
export const AUDIT_BACKUPS: Migration = {
  id: '008-audit-backups',
  sql: `CREATE INDEX audit_log_backups ON audit_log (id) WHERE action = 'backup';`,
};
