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

/** Replaces the people an import changes in one go (small lists); returns how many were kept. */
export function replaceChanges(db: Db, importId: number, changes: Iterable<PersonChange>): number {
  db.run('DELETE FROM import_changes WHERE import_id = ?', importId);
  const kept = appendChanges(db, importId, changes, 0);
  for (const id of listsOverBudget(db)) {
    db.run('DELETE FROM import_changes WHERE import_id = ?', id);
    db.run('UPDATE imports SET listed = 0 WHERE id = ?', id);
  }
  return kept;
}

/**
 * Adds people to an import's list, a chunk at a time, up to MAX_STORED_CHANGES in all (`kept`:
 * how many it lists already); returns how many it lists now, and records that with the import
 * in the same transaction (listedCount).
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
  db.run('UPDATE imports SET listed = ? WHERE id = ?', kept, importId);
  return kept;
}

/** How many people an import lists. */
export function listedCount(db: Db, importId: number): number {
  return db.get<{ listed: number }>('SELECT listed FROM imports WHERE id = ?', importId)?.listed ?? 0;
}

/**
 * Deletes up to `limit` people of an import's list (a long list goes a part at a time, so no one
 * statement holds the appliance); true once the list is empty.
 */
export function clearSome(db: Db, importId: number, limit: number): boolean {
  const n = db.run('DELETE FROM import_changes WHERE (import_id, kind, local_id) IN (SELECT import_id, kind, local_id FROM import_changes WHERE import_id = ? LIMIT ?)', importId, limit).changes;
  if (n < limit) db.run('UPDATE imports SET listed = 0 WHERE id = ?', importId);
  return n < limit;
}

/** The imports whose lists go so that at most MAX_STORED_CHANGES_TOTAL people are listed (never the newest's). */
export function listsOverBudget(db: Db): number[] {
  const lists = db.all<{ id: number; listed: number }>('SELECT id, listed FROM imports WHERE listed > 0 ORDER BY id DESC');
  const out: number[] = [];
  let total = 0;
  for (const [i, list] of lists.entries()) {
    total += list.listed;
    if (i > 0 && total > MAX_STORED_CHANGES_TOTAL) out.push(list.id);
  }
  return out;
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
  return bindDb(db, { replaceChanges, appendChanges, listedCount, clearSome, listsOverBudget, listChanges, iterateChanges, countChanges });
}

export type ImportChangeStore = ReturnType<typeof createImportChangeStore>;
