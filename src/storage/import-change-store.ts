import { bindDb } from './bind.ts';
import type { Db } from './db.ts';
import type { ChangeKind, PersonChange } from './import-types.ts';

/** People listed per import at most; the import's counts stay exact. */
export const MAX_STORED_CHANGES = 500_000;
/**
 * People listed over all imports at most: the lists of the oldest imports are dropped first
 * (never the newest import's). Without it every upload that changes many people (a held one
 * too) kept its whole list for ever: an SIS account alternating two exports grew the database
 * by its roster's size at each upload.
 */
export const MAX_STORED_CHANGES_TOTAL = 1_000_000;

// Rows per INSERT: a first import of 100,000 people lists them all (measured: ~1.5 s at 500, ~2.3 s at 50).
const BATCH = 500;
const ROW = '(?, ?, ?, ?, ?, ?, ?, ?)';

/** Replaces the people an import changes (an approved import is planned again); returns how many were kept. */
export function replaceChanges(db: Db, importId: number, changes: Iterable<PersonChange>): number {
  clearChanges(db, importId);
  const kept = appendChanges(db, importId, changes, 0);
  pruneChanges(db);
  return kept;
}

/** Forgets the people an import listed (it is planned again). */
export function clearChanges(db: Db, importId: number): void {
  db.run('DELETE FROM import_changes WHERE import_id = ?', importId);
}

/**
 * Adds people to an import's list, a chunk at a time, up to MAX_STORED_CHANGES in all (`kept`:
 * how many it lists already); returns how many it lists now. Call pruneChanges after the last.
 */
export function appendChanges(db: Db, importId: number, changes: Iterable<PersonChange>, kept: number): number {
  let batch: (string | number)[] = [];
  const flush = () => {
    if (!batch.length) return;
    db.run(`INSERT INTO import_changes (import_id, kind, local_id, role, name, grade, building, fields) VALUES ${new Array(batch.length / 8).fill(ROW).join(', ')}`, ...batch);
    batch = [];
  };
  for (const c of changes) {
    if (kept >= MAX_STORED_CHANGES) break;
    batch.push(importId, c.kind, c.local_id, c.role, c.name, c.grade, c.building, JSON.stringify(c.fields));
    kept++;
    if (batch.length >= BATCH * 8) flush();
  }
  flush();
  return kept;
}

/** Drops whole lists of the oldest imports until at most MAX_STORED_CHANGES_TOTAL people are listed. */
export function pruneChanges(db: Db): void {
  const lists = db.all<{ import_id: number; n: number }>('SELECT import_id, COUNT(*) AS n FROM import_changes GROUP BY import_id ORDER BY import_id DESC');
  let total = 0;
  for (const [i, list] of lists.entries()) {
    total += list.n;
    if (i > 0 && total > MAX_STORED_CHANGES_TOTAL) db.run('DELETE FROM import_changes WHERE import_id = ?', list.import_id);
  }
}

interface StoredChange extends Omit<PersonChange, 'fields'> {
  fields: string;
}

function fromStored(row: StoredChange): PersonChange {
  return { ...row, fields: JSON.parse(row.fields) };
}

/** One page of an import's people of one kind (or every kind), by kind then Local ID. */
export function listChanges(db: Db, importId: number, kind: ChangeKind | undefined, limit: number, offset: number): PersonChange[] {
  const rows = kind
    ? db.all<StoredChange>('SELECT kind, local_id, role, name, grade, building, fields FROM import_changes WHERE import_id = ? AND kind = ? ORDER BY local_id LIMIT ? OFFSET ?', importId, kind, limit, offset)
    : db.all<StoredChange>('SELECT kind, local_id, role, name, grade, building, fields FROM import_changes WHERE import_id = ? ORDER BY kind, local_id LIMIT ? OFFSET ?', importId, limit, offset);
  return rows.map(fromStored);
}

// People read per query by iterateChanges.
const PAGE = 1000;

/**
 * Every person of an import, for the CSV download, without holding them all in memory.
 * NB: a page per query, never one open statement: the download awaits a slow client between
 * rows, and while a better-sqlite3 iterator is open the connection refuses every write (uploads,
 * imports, audit lines) with "This database connection is busy executing a query".
 */
export function* iterateChanges(db: Db, importId: number, kind?: ChangeKind): Generator<PersonChange> {
  let after: { kind: string; local_id: string } = { kind: '', local_id: '' };
  for (;;) {
    const rows = kind
      ? db.all<StoredChange>('SELECT kind, local_id, role, name, grade, building, fields FROM import_changes WHERE import_id = ? AND kind = ? AND local_id > ? ORDER BY local_id LIMIT ?', importId, kind, after.local_id, PAGE)
      : db.all<StoredChange>('SELECT kind, local_id, role, name, grade, building, fields FROM import_changes WHERE import_id = ? AND (kind, local_id) > (?, ?) ORDER BY kind, local_id LIMIT ?', importId, after.kind, after.local_id, PAGE);
    for (const row of rows) yield fromStored(row);
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!;
  }
}

/** How many people of each kind an import lists. */
export function countChanges(db: Db, importId: number): Record<ChangeKind, number> {
  const out: Record<ChangeKind, number> = { added: 0, changed: 0, deactivated: 0, reactivated: 0 };
  for (const r of db.all<{ kind: ChangeKind; n: number }>('SELECT kind, COUNT(*) AS n FROM import_changes WHERE import_id = ? GROUP BY kind', importId)) out[r.kind] = r.n;
  return out;
}

/** Who each import added, changed, deactivated or reactivated (import_changes). */
export function createImportChangeStore(db: Db) {
  return bindDb(db, { replaceChanges, clearChanges, appendChanges, pruneChanges, listChanges, iterateChanges, countChanges });
}

export type ImportChangeStore = ReturnType<typeof createImportChangeStore>;
