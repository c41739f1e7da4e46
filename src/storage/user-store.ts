import type { Db } from './db.ts';
import { searchUsers, type SearchQuery, type SearchResult } from './user-search.ts';
import type { UserRow } from './user-row.ts';

/** A `users` row as roster import reads and writes it. */
export type RosterUser = Pick<UserRow, 'local_id' | 'first_name' | 'last_name' | 'middle_name' | 'role' | 'grade' | 'building' | 'email' | 'username' | 'position' | 'active' | 'source'> & {
  /** '1' or '0' from a file; the number 1 or 0 when read back (SQLite's INTEGER column takes either). */
  opt_out?: string | number;
};

export interface UserCounts {
  students: number;
  staff: number;
  inactive: number;
}

const ROSTER_COLUMNS = 'local_id, first_name, last_name, middle_name, role, grade, building, email, username, position, opt_out, active, source';
const INSERT_BATCH = 50;
const ROW_PARAMS = `(${new Array(16).fill('?').join(', ')})`;
const INSERT_SQL = new Map<number, string>();
/** The INSERT of `n` users, built once per size (a 100,000-user import makes 2,000 of them). */
function insertSql(n: number): string {
  let sql = INSERT_SQL.get(n);
  if (!sql) {
    sql = `INSERT INTO users (${ROSTER_COLUMNS}, created_at, updated_at, deactivated_at) VALUES ${new Array(n).fill(ROW_PARAMS).join(', ')}`;
    INSERT_SQL.set(n, sql);
  }
  return sql;
}

/**
 * The `users` table (migration 001-users): the one place that looks a user up by Local ID, for
 * the roster, the photo store, check-out and the viewer alike. Local IDs are compared exactly.
 */
export function createUserStore(db: Db) {
  return {
    /** The user with exactly this Local ID. */
    byLocalId: (localId: string): UserRow | undefined => db.get<UserRow>('SELECT * FROM users WHERE local_id = ?', localId),

    /** undefined: no such user; true: opted out of directory photos (FERPA). One small read: the image path asks it per thumbnail. */
    optedOut(localId: string): boolean | undefined {
      const row = db.get<{ opt_out: number }>('SELECT opt_out FROM users WHERE local_id = ?', localId);
      return row === undefined ? undefined : row.opt_out === 1;
    },

    exists: (localId: string): boolean => db.get('SELECT 1 AS x FROM users WHERE local_id = ?', localId) !== undefined,

    /** Emails are compared without case; several users may share one (a sibling's), so up to five are returned. */
    byEmail: (email: string): UserRow[] => db.all<UserRow>("SELECT * FROM users WHERE email = ? COLLATE NOCASE AND email <> '' LIMIT 5", email),

    /** Local IDs equal to `localId` but for letter case (uses the NOCASE index of migration 002). */
    sameIgnoringCase: (localId: string): string[] =>
      db.all<{ local_id: string }>('SELECT local_id FROM users WHERE local_id = ? COLLATE NOCASE AND local_id != ? LIMIT 5', localId, localId).map((r) => r.local_id),

    /** Local IDs equal to `localId` but for leading zeros (uses the ltrim index of migration 002). */
    sameIgnoringLeadingZeros: (localId: string): string[] =>
      db.all<{ local_id: string }>("SELECT local_id FROM users WHERE ltrim(local_id, '0') = ltrim(?, '0') AND local_id != ? LIMIT 5", localId, localId).map((r) => r.local_id),

    /** Users by name or Local ID prefix, with filters (see `searchUsers`). */
    search: (query: SearchQuery): SearchResult => searchUsers(db, query),

    /** The distinct (building, grade) pairs of active users, for the search filters. */
    buildingsAndGrades: (): { building: string; grade: string }[] =>
      db.all("SELECT DISTINCT building, grade FROM users WHERE active = 1 AND (building <> '' OR grade <> '')"),

    /** Active users by role, and how many are inactive. */
    counts(): UserCounts {
      const rows = db.all<{ role: string; active: number; n: number }>('SELECT role, active, count(*) AS n FROM users GROUP BY role, active');
      const counts: UserCounts = { students: 0, staff: 0, inactive: 0 };
      for (const r of rows) {
        if (!r.active) counts.inactive += r.n;
        else if (r.role === 'student') counts.students += r.n;
        else counts.staff += r.n;
      }
      return counts;
    },

    /** The users with these Local IDs (those that exist). */
    byLocalIds: (localIds: readonly string[]): UserRow[] =>
      db.all<UserRow>('SELECT * FROM users WHERE local_id IN (SELECT value FROM json_each(?))', JSON.stringify(localIds)),

    /** Inserts users, many rows per statement (one statement per row cost a quarter more). */
    insertMany(users: readonly RosterUser[], now: string): void {
      for (let at = 0; at < users.length; at += INSERT_BATCH) {
        const batch = users.slice(at, at + INSERT_BATCH);
        const params: (string | number | null)[] = [];
        for (const u of batch) {
          params.push(u.local_id, u.first_name, u.last_name, u.middle_name, u.role, u.grade, u.building, u.email, u.username, u.position, Number(u.opt_out ?? 0), u.active, u.source, now, now, u.active ? null : now);
        }
        db.run(insertSql(batch.length), ...params);
      }
    },

    /** Rewrites a user's roster columns; `deactivated_at` follows `active` (kept when it stays inactive). */
    update(u: RosterUser, now: string): void {
      db.run(
        `UPDATE users SET first_name = ?, last_name = ?, middle_name = ?, role = ?, grade = ?, building = ?, email = ?,
           username = ?, position = ?, opt_out = ?, source = ?, updated_at = ?,
           deactivated_at = CASE WHEN ? = 1 THEN NULL WHEN active = 1 THEN ? ELSE deactivated_at END,
           active = ?
         WHERE local_id = ?`,
        u.first_name, u.last_name, u.middle_name, u.role, u.grade, u.building, u.email, u.username, u.position, Number(u.opt_out ?? 0), u.source, now,
        u.active, now, u.active, u.local_id,
      );
    },

    deactivate(localId: string, now: string): void {
      db.run('UPDATE users SET active = 0, deactivated_at = ?, updated_at = ? WHERE local_id = ? AND active = 1', now, now, localId);
    },

    /** How many of these Local IDs have a photo (the photos a new user links). */
    countPhotosOf: (localIds: readonly string[]): number =>
      db.get<{ n: number }>('SELECT count(*) AS n FROM photos WHERE local_id IN (SELECT value FROM json_each(?))', JSON.stringify(localIds))!.n,
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
