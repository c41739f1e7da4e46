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
  /** Photos whose user the apply has added so far (photos_linked), kept with each chunk. */
  linked: number;
  /** The import's counts and report (JSON), written with the last chunk. */
  outcome: string;
  /** Who approved it when it was held, or ''. */
  actor: string;
}

export function beginApply(db: Db, a: Omit<RosterApply, 'linked'>): void {
  db.run(
    'INSERT INTO roster_applies (import_id, staging, source, now, outcome, actor) VALUES (?, ?, ?, ?, ?, ?)',
    a.import_id, a.staging, a.source, a.now, a.outcome, a.actor,
  );
}

/** Counts photos an apply's chunk linked (in the chunk's transaction, so a finished chunk is counted once). */
export function addLinked(db: Db, importId: number, n: number): void {
  db.run('UPDATE roster_applies SET linked = linked + ? WHERE import_id = ?', n, importId);
}

/** Photos an apply has linked so far. */
export function linkedOf(db: Db, importId: number): number {
  return db.get<{ linked: number }>('SELECT linked FROM roster_applies WHERE import_id = ?', importId)?.linked ?? 0;
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
  return bindDb(db, { beginApply, addLinked, linkedOf, endApply, pendingApplies });
}

export type RosterApplyStore = ReturnType<typeof createRosterApplyStore>;
