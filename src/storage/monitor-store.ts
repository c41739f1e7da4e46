import type { Db } from './db.ts';

/**
 * Read-only counts that metrics and alerts watch. Each is one indexed query (or a scan of the
 * small imports table), cheap enough to run on every scrape and every alert check.
 */
export interface MonitorStore {
  /** Photo versions waiting for their display images (shown already, or still being committed), and when the oldest arrived (ISO). */
  pendingRenders(): { count: number; oldest: string | undefined };
  /** Roster and device imports recorded, by status. */
  importsByStatus(): Record<string, number>;
  /** Imports waiting for an admin's decision, oldest first. */
  heldImports(): { id: number; file: string; received_at: string; reason: string }[];
}

export function createMonitorStore(db: Db): MonitorStore {
  return {
    pendingRenders() {
      // NB: uses the partial index photo_versions_pending; photo_renders is a short to-do list.
      const row = db.get<{ n: number; oldest: string | null }>(
        `SELECT sum(n) AS n, min(oldest) AS oldest FROM (
           SELECT count(*) AS n, min(created_at) AS oldest FROM photo_versions WHERE state = 'pending'
           UNION ALL SELECT count(*), min(queued_at) FROM photo_renders)`,
      )!;
      return { count: row.n, oldest: row.oldest ?? undefined };
    },
    importsByStatus() {
      const rows = db.all<{ status: string; n: number }>("SELECT CASE WHEN in_progress = 1 THEN 'in_progress' ELSE status END AS status, count(*) AS n FROM imports GROUP BY 1");
      return Object.fromEntries(rows.map((r) => [r.status, r.n]));
    },
    heldImports() {
      return db.all("SELECT id, file, received_at, reason FROM imports WHERE status = 'held' ORDER BY id");
    },
  };
}
