import { openDatabase, type Db } from './db.ts';

/**
 * The staged rows of one roster import: a SQLite file of its own beside the import's work copy,
 * so a 500,000-row file is held on disk, not in the heap, and nothing in the appliance's database
 * changes while it is read and judged. Written without a journal or fsync while it is filled (a
 * crash throws it away with the work folder); it is closed and flushed (files.ts syncFile) before
 * the import is accepted, since a restart then finishes the apply from it.
 */
export interface StagedRow {
  local_id: string;
  line: number;
  /** The row, packed (domain/roster/packed-row.ts). */
  packed: string;
}

/** One entry of the plan: what the apply does to one Local ID. */
export interface PlanEntry {
  local_id: string;
  action: 'insert' | 'update' | 'missing';
  /** The staged row (null for `missing`: the file does not list that person). */
  packed: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rows (local_id TEXT PRIMARY KEY NOT NULL, line INTEGER NOT NULL, packed TEXT NOT NULL, dup INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dups (local_id TEXT NOT NULL, line INTEGER NOT NULL, PRIMARY KEY (local_id, line)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS plan (local_id TEXT PRIMARY KEY NOT NULL, action TEXT NOT NULL) WITHOUT ROWID;
`;

/** Rows per INSERT statement when staging (and entries when recording the plan). */
const INSERT_BATCH = 100;
const values = (n: number) => new Array(n).fill('(?, ?, ?)').join(', ');
const FULL_VALUES = values(INSERT_BATCH);
const pairs = (n: number) => new Array(n).fill('(?, ?)').join(', ');
const FULL_PAIRS = pairs(INSERT_BATCH);

export function openStaging(path: string) {
  const db: Db = openDatabase(path, { migrate: false });
  // NB: MEMORY, not OFF: a rolled-back batch must still leave the file consistent.
  db.exec('PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA cache_size = -2000');
  db.exec(SCHEMA);
  let open = true;
  const close = () => {
    if (open) db.close();
    open = false;
  };
  return {
    path,

    /**
     * Stages a batch of valid rows in one transaction. A Local ID seen before is a duplicate:
     * every line it is on goes to `dups`. Returns the rows that became duplicates in this batch
     * (the first of their lines), so the caller can take back what it counted for them.
     */
    add(rows: readonly StagedRow[]): string[] {
      const undone: string[] = [];
      db.tx(() => {
        // Many rows per statement (one statement per row was most of the staging's cost); a
        // row a statement left out (its ID is staged already) is then found by its line.
        let inserted = 0;
        for (let at = 0; at < rows.length; at += INSERT_BATCH) {
          const batch = rows.slice(at, at + INSERT_BATCH);
          const params: (string | number)[] = [];
          for (const r of batch) params.push(r.local_id, r.line, r.packed);
          inserted += db.run(`INSERT OR IGNORE INTO rows (local_id, line, packed) VALUES ${batch.length === INSERT_BATCH ? FULL_VALUES : values(batch.length)}`, ...params).changes;
        }
        if (inserted === rows.length) return;
        for (const r of rows) {
          const first = db.get<{ line: number; packed: string; dup: number }>('SELECT line, packed, dup FROM rows WHERE local_id = ?', r.local_id)!;
          if (first.line === r.line) continue;
          if (first.dup === 0) {
            db.run('UPDATE rows SET dup = 1 WHERE local_id = ?', r.local_id);
            db.run('INSERT OR IGNORE INTO dups (local_id, line) VALUES (?, ?)', r.local_id, first.line);
            undone.push(first.packed);
          }
          db.run('INSERT OR IGNORE INTO dups (local_id, line) VALUES (?, ?)', r.local_id, r.line);
        }
      });
      return undone;
    },

    /** Lines of duplicated Local IDs after (`local_id`, `line`), by ID then line. */
    duplicateLines(after: { local_id: string; line: number }, limit: number): { local_id: string; line: number }[] {
      return db.all('SELECT local_id, line FROM dups WHERE (local_id, line) > (?, ?) ORDER BY local_id, line LIMIT ?', after.local_id, after.line, limit);
    },

    /** Takes the duplicated IDs out of the rows to import (none of their lines is imported). */
    dropDuplicates(ids: readonly string[]): void {
      db.tx(() => {
        for (const id of ids) db.run('DELETE FROM rows WHERE local_id = ?', id);
      });
    },

    /** Staged rows after `after` (and up to `upTo`), by Local ID. */
    page(after: string, upTo: string | undefined, limit: number): { local_id: string; packed: string }[] {
      return upTo === undefined
        ? db.all('SELECT local_id, packed FROM rows WHERE local_id > ? ORDER BY local_id LIMIT ?', after, limit)
        : db.all('SELECT local_id, packed FROM rows WHERE local_id > ? AND local_id <= ? ORDER BY local_id LIMIT ?', after, upTo, limit);
    },

    /** Records a chunk of the plan (the comparison's result). */
    putPlan(entries: readonly { local_id: string; action: PlanEntry['action'] }[]): void {
      if (!entries.length) return;
      db.tx(() => {
        for (let at = 0; at < entries.length; at += INSERT_BATCH) {
          const batch = entries.slice(at, at + INSERT_BATCH);
          const params: string[] = [];
          for (const e of batch) params.push(e.local_id, e.action);
          db.run(`INSERT OR REPLACE INTO plan (local_id, action) VALUES ${batch.length === INSERT_BATCH ? FULL_PAIRS : pairs(batch.length)}`, ...params);
        }
      });
    },

    /** Plan entries after `after`, by Local ID, with their staged rows. */
    planPage(after: string, limit: number): PlanEntry[] {
      return db.all('SELECT p.local_id, p.action, r.packed FROM plan p LEFT JOIN rows r ON r.local_id = p.local_id WHERE p.local_id > ? ORDER BY p.local_id LIMIT ?', after, limit);
    },

    /** Closes the file (again is harmless). */
    close,
  };
}

export type Staging = ReturnType<typeof openStaging>;
