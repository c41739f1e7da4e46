import type { Db } from './db.ts';

export interface UpgradeRecord {
  at: string;
  version: string;
  migrations: string[];
  /** The backup taken before, relative to data_dir. */
  backup: string;
  /** The audit log's line for it. */
  detail: string;
}

export interface UpgradeStore {
  /**
   * Records an upgrade, and in the audit log the backup it took (so the status page's "last
   * backup" counts it: it holds every student record like any other backup).
   */
  record(u: UpgradeRecord): void;
  list(): Array<{ id: number; at: string; version: string; migrations: string; backup: string }>;
}

export function createUpgradeStore(db: Db): UpgradeStore {
  return {
    record(u) {
      db.tx(() => {
        db.run('INSERT INTO upgrades (at, version, migrations, backup) VALUES (?, ?, ?, ?)', u.at, u.version, u.migrations.join(','), u.backup);
        db.run("INSERT INTO audit_log (at, actor, action, detail) VALUES (?, 'system:upgrade', 'backup', ?)", u.at, u.detail);
      });
    },
    list: () => db.all('SELECT id, at, version, migrations, backup FROM upgrades ORDER BY id'),
  };
}
