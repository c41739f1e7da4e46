import type { Db } from './db.ts';

export interface AlertRow {
  cause: string;
  title: string;
  detail: string;
  raised_at: string;
}

/** The alerts raised and not yet resolved (table alerts, one row per cause). */
export interface AlertStore {
  list(): AlertRow[];
  raise(row: AlertRow): void;
  resolve(cause: string): void;
}

export function createAlertStore(db: Db): AlertStore {
  return {
    list: () => db.all<AlertRow>('SELECT cause, title, detail, raised_at FROM alerts ORDER BY raised_at, cause'),
    raise(row) {
      db.run('INSERT OR REPLACE INTO alerts (cause, title, detail, raised_at) VALUES (?, ?, ?, ?)', row.cause, row.title, row.detail, row.raised_at);
    },
    resolve(cause) {
      db.run('DELETE FROM alerts WHERE cause = ?', cause);
    },
  };
}
