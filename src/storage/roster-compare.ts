import type { Db } from './db.ts';

/**
 * The nightly comparison of a roster import done by SQLite: the staging file (roster-staging.ts)
 * is attached to the appliance's connection and joined with `users` a range of Local IDs at a
 * time, so only the rows that differ reach JavaScript. Walking both sides in JavaScript (every
 * staged row unpacked, every user's key built) was a third of a 1%-change import's CPU.
 */

/** A staged row that is not already its user as stored: new, changed, or another source's. */
export interface DifferingRow {
  local_id: string;
  packed: string;
  /** The stored user's role, active and source; null when no user has that Local ID. */
  user_role: 'student' | 'staff' | null;
  user_active: number | null;
  user_source: string | null;
}

/** How a staged row's `packed` text is laid out (domain/roster/packed-row.ts) after its line number. */
export interface PackedShape {
  separator: string;
  /** What stands for a column the file does not have. */
  absent: string;
  /** The `users` column of each packed value, in order; null where the file has no such column. */
  columns: readonly (string | null)[];
}

export interface StagedComparison {
  /** The Local ID `size` staged rows or `size` users after `after`, whichever comes first; undefined when fewer are left. */
  boundAfter(after: string, size: number): string | undefined;
  /** Staged rows in (after, upTo] (no upper end when upTo is undefined). */
  stagedIn(after: string, upTo: string | undefined): number;
  /** Staged rows in the range whose user differs, or who have none (the only rows read out). */
  differingIn(after: string, upTo: string | undefined): DifferingRow[];
  /** Users of `source` in the range, and how many of them are active. */
  sourceUsersIn(after: string, upTo: string | undefined): { users: number; active: number };
  /** Active users of `source` in the range that no staged row lists. */
  missingIn(after: string, upTo: string | undefined): string[];
  /** Detaches the staging file (again is harmless). */
  close(): void;
}

const COLUMNS = new Set(['local_id', 'first_name', 'last_name', 'middle_name', 'grade', 'building', 'email', 'username', 'position', 'opt_out']);
const SCHEMA = 'roster_staging';

/**
 * Attaches the staging file at `path` for comparing it with the users of `source`. NB: the
 * caller detaches (close) before the staging file is moved or deleted, and outside a transaction.
 */
export function compareStaged(db: Db, path: string, source: string, shape: PackedShape): StagedComparison {
  for (const c of shape.columns) if (c !== null && !COLUMNS.has(c)) throw new Error(`not a user column: ${c}`);
  const sep = sqlChar(shape.separator);
  // The user as the staged row would pack them (role, active, then the values), built by SQLite.
  const user = ['u.role', 'u.active', ...shape.columns.map((c) => (c === null ? sqlChar(shape.absent) : `u.${c}`))].join(` || ${sep} || `);
  // The staged row without its leading line number.
  const staged = `substr(r.packed, instr(r.packed, ${sep}) + 1)`;
  db.run(`ATTACH DATABASE ? AS ${SCHEMA}`, path);
  let attached = true;
  const range = (col: string, upTo: string | undefined) => (upTo === undefined ? `${col} > ?` : `${col} > ? AND ${col} <= ?`);
  const args = (after: string, upTo: string | undefined) => (upTo === undefined ? [after] : [after, upTo]);
  return {
    boundAfter(after, size) {
      const a = db.get<{ id: string }>(`SELECT local_id AS id FROM ${SCHEMA}.rows WHERE local_id > ? ORDER BY local_id LIMIT 1 OFFSET ?`, after, size - 1)?.id;
      const b = db.get<{ id: string }>('SELECT local_id AS id FROM main.users WHERE local_id > ? ORDER BY local_id LIMIT 1 OFFSET ?', after, size - 1)?.id;
      if (a === undefined) return b;
      if (b === undefined) return a;
      // NB: SQLite's order (UTF-8 bytes), not JavaScript's (UTF-16 units): they differ above U+FFFF.
      return db.get<{ id: string }>('SELECT min(?, ?) AS id', a, b)!.id;
    },
    stagedIn: (after, upTo) => db.get<{ n: number }>(`SELECT count(*) AS n FROM ${SCHEMA}.rows r WHERE ${range('r.local_id', upTo)}`, ...args(after, upTo))!.n,
    differingIn: (after, upTo) =>
      db.all<DifferingRow>(
        `SELECT r.local_id, r.packed, u.role AS user_role, u.active AS user_active, u.source AS user_source
         FROM ${SCHEMA}.rows r LEFT JOIN main.users u ON u.local_id = r.local_id
         WHERE ${range('r.local_id', upTo)} AND (u.local_id IS NULL OR u.source IS NOT ? OR (${user}) IS NOT ${staged})
         ORDER BY r.local_id`,
        ...args(after, upTo), source,
      ),
    sourceUsersIn(after, upTo) {
      const r = db.get<{ n: number; active: number }>(`SELECT count(*) AS n, total(active) AS active FROM main.users WHERE ${range('local_id', upTo)} AND +source = ?`, ...args(after, upTo), source)!;
      return { users: r.n, active: r.active };
    },
    missingIn: (after, upTo) =>
      db.all<{ local_id: string }>(
        // NB: `+u.active`: without it SQLite walks the search index of every active user for each range.
        `SELECT u.local_id FROM main.users u WHERE ${range('u.local_id', upTo)} AND u.source = ? AND +u.active = 1
         AND NOT EXISTS (SELECT 1 FROM ${SCHEMA}.rows r WHERE r.local_id = u.local_id) ORDER BY u.local_id`,
        ...args(after, upTo), source,
      ).map((r) => r.local_id),
    close() {
      if (attached) db.run(`DETACH DATABASE ${SCHEMA}`);
      attached = false;
    },
  };
}

/** A one-character SQL literal for a control character (SQL text cannot hold it otherwise readably). */
function sqlChar(c: string): string {
  if (c.length !== 1) throw new Error('one character expected');
  return `char(${c.charCodeAt(0)})`;
}

/** The comparison of staged rows with `users` (see compareStaged). */
export function createRosterCompare(db: Db) {
  return { open: (path: string, source: string, shape: PackedShape): StagedComparison => compareStaged(db, path, source, shape) };
}

export type RosterCompare = ReturnType<typeof createRosterCompare>;
