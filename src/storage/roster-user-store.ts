import type { Db } from './db.ts';
import type { UserRow as StoredUser } from './user-row.ts';

/** A `users` row as roster import reads and writes it. */
export type UserRow = Pick<StoredUser, 'local_id' | 'first_name' | 'last_name' | 'middle_name' | 'role' | 'grade' | 'building' | 'email' | 'username' | 'position' | 'active' | 'source'> & {
  /** '1' or '0' from a file; the number 1 or 0 when read back (SQLite's INTEGER column takes either). */
  opt_out: string | number;
};

const COLUMNS = 'local_id, first_name, last_name, middle_name, role, grade, building, email, username, position, opt_out, active, source';

/** A user as the comparison pass reads it: `key` is the compared columns joined by U+001F. */
export interface UserKey {
  local_id: string;
  role: 'student' | 'staff';
  active: number;
  source: string;
  key: string;
}

const KEY_COLUMNS = new Set(['first_name', 'last_name', 'middle_name', 'grade', 'building', 'email', 'username', 'position', 'opt_out']);

/**
 * Every user with only `columns` packed into one string: the nightly comparison of 100,000
 * users reads a third fewer values this way, and full rows are fetched only for the few
 * that differ. NB: U+001F cannot occur in a stored value (imports refuse control characters).
 */
export function scanUserKeys(db: Db, columns: readonly string[]): IterableIterator<UserKey> {
  for (const c of columns) if (!KEY_COLUMNS.has(c)) throw new Error(`not a user column: ${c}`);
  const key = columns.length ? columns.join(' || char(31) || ') : "''";
  return db.iterate<UserKey>(`SELECT local_id, role, active, source, ${key} AS key FROM users`);
}

export function getUser(db: Db, localId: string): UserRow | undefined {
  return db.get<UserRow>(`SELECT ${COLUMNS} FROM users WHERE local_id = ?`, localId);
}

const INSERT_BATCH = 50;
const ROW_PARAMS = `(${new Array(16).fill('?').join(', ')})`;

/**
 * Inserts users, many rows per statement (one statement per row cost a quarter more).
 * `existing`: how many users the table has, to choose how its indexes are kept up to date.
 */
export function insertUsers(db: Db, users: readonly UserRow[], now: string, existing: number): void {
  // A first import of a whole district: building the secondary indexes (search, photo hints,
  // …) once after the rows are in costs a quarter of keeping them up to date row by row.
  // NB: callers run this inside their transaction, so nobody ever sees the table without them.
  const rebuild = users.length >= 10_000 && users.length * 4 >= existing;
  const indexes = rebuild ? db.all<{ name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL") : [];
  for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
  for (let i = 0; i < users.length; i += INSERT_BATCH) {
    const batch = users.slice(i, i + INSERT_BATCH);
    const params: (string | number | null)[] = [];
    for (const u of batch) {
      params.push(u.local_id, u.first_name, u.last_name, u.middle_name, u.role, u.grade, u.building, u.email, u.username, u.position, Number(u.opt_out), u.active, u.source, now, now, u.active ? null : now);
    }
    db.run(`INSERT INTO users (${COLUMNS}, created_at, updated_at, deactivated_at) VALUES ${batch.map(() => ROW_PARAMS).join(', ')}`, ...params);
  }
  if (!indexes.length) return;
  // NB: SQLite sorts each index in at most cache_size of memory, then spills to temp files;
  // 32 MB keeps a 100,000-user sort in memory, and a helper thread sorts alongside.
  const cache = db.get<{ cache_size: number }>('PRAGMA cache_size')!.cache_size;
  db.exec('PRAGMA cache_size = -32768; PRAGMA threads = 2');
  try {
    for (const index of indexes) db.exec(index.sql);
  } finally {
    db.exec(`PRAGMA cache_size = ${Number(cache)}; PRAGMA threads = 0`);
  }
}

/** Rewrites a user's roster columns; `deactivated_at` follows `active` (kept when it stays inactive). */
export function updateUser(db: Db, u: UserRow, now: string): void {
  db.run(
    `UPDATE users SET first_name = ?, last_name = ?, middle_name = ?, role = ?, grade = ?, building = ?, email = ?,
       username = ?, position = ?, opt_out = ?, source = ?, updated_at = ?,
       deactivated_at = CASE WHEN ? = 1 THEN NULL WHEN active = 1 THEN ? ELSE deactivated_at END,
       active = ?
     WHERE local_id = ?`,
    u.first_name, u.last_name, u.middle_name, u.role, u.grade, u.building, u.email, u.username, u.position, Number(u.opt_out), u.source, now,
    u.active, now, u.active, u.local_id,
  );
}

export function deactivateUser(db: Db, localId: string, now: string): void {
  db.run('UPDATE users SET active = 0, deactivated_at = ?, updated_at = ? WHERE local_id = ? AND active = 1', now, now, localId);
}

/** Whether the photo store's table exists (it links waiting photos to new users). */
export function hasPhotoTable(db: Db): boolean {
  return db.get("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'photos'") !== undefined;
}

/** Photos whose Local ID is not a user (yet): "unmatched". */
export function countUnmatchedPhotos(db: Db): number {
  return db.get<{ n: number }>('SELECT COUNT(*) AS n FROM photos p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.local_id = p.local_id)')!.n;
}
