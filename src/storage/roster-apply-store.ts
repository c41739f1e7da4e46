import { bindDb } from './bind.ts';
import type { Db } from './db.ts';

/** An accepted roster import still being written (migration 016-roster-applies). */
export interface RosterApply {
  import_id: number;
  /** The staged rows' file, relative to the data folder. */
  staging: string;
  source: string;
  /** The import's timestamp for every user it writes. */
  now: string;
  /** Photos without a user before the first chunk: the base of photos_linked. */
  unmatched_before: number;
  /** The import's counts and report (JSON), written with the last chunk. */
  outcome: string;
  /** Who approved it when it was held, or ''. */
  actor: string;
}

export function beginApply(db: Db, a: RosterApply): void {
  db.run(
    'INSERT INTO roster_applies (import_id, staging, source, now, unmatched_before, outcome, actor) VALUES (?, ?, ?, ?, ?, ?, ?)',
    a.import_id, a.staging, a.source, a.now, a.unmatched_before, a.outcome, a.actor,
  );
}

export function endApply(db: Db, importId: number): void {
  db.run('DELETE FROM roster_applies WHERE import_id = ?', importId);
}

/** The applies a stop or crash cut off, oldest first. */
export function pendingApplies(db: Db): RosterApply[] {
  return db.all<RosterApply>('SELECT * FROM roster_applies ORDER BY import_id');
}

/** The accepted-but-unfinished roster applies (see RosterApply). */
export function createRosterApplyStore(db: Db) {
  return bindDb(db, { beginApply, endApply, pendingApplies });
}

export type RosterApplyStore = ReturnType<typeof createRosterApplyStore>;
