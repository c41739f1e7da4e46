import type { Db } from './db.ts';

/** What the photo store reads of the roster's `users` table: existence, a summary, near misses. */

export interface UserSummary {
  local_id: string;
  first_name: string;
  middle_name: string;
  last_name: string;
  role: 'student' | 'staff';
  grade: string;
  building: string;
  email: string;
  position: string;
  active: number;
  opt_out: number;
}

export function createPhotoUsers(db: Db) {
  return {
    exists: (localId: string) => db.get('SELECT 1 AS x FROM users WHERE local_id = ?', localId) !== undefined,
    /** undefined: no such user; true: opted out of directory photos (FERPA). */
    optedOut: (localId: string) => {
      const row = db.get<{ opt_out: number }>('SELECT opt_out FROM users WHERE local_id = ?', localId);
      return row === undefined ? undefined : row.opt_out === 1;
    },
    summary: (localId: string) =>
      db.get<UserSummary>(
        `SELECT local_id, first_name, middle_name, last_name, role, grade, building, email, position, active, opt_out
         FROM users WHERE local_id = ?`,
        localId,
      ),
    /** Local IDs equal to `localId` but for letter case (uses the NOCASE index of migration 002). */
    sameIgnoringCase: (localId: string) =>
      db.all<{ local_id: string }>('SELECT local_id FROM users WHERE local_id = ? COLLATE NOCASE AND local_id != ? LIMIT 5', localId, localId).map((r) => r.local_id),
    /** Local IDs equal to `localId` but for leading zeros (uses the ltrim index of migration 002). */
    sameIgnoringLeadingZeros: (localId: string) =>
      db.all<{ local_id: string }>("SELECT local_id FROM users WHERE ltrim(local_id, '0') = ltrim(?, '0') AND local_id != ? LIMIT 5", localId, localId).map((r) => r.local_id),
  };
}

export type PhotoUsers = ReturnType<typeof createPhotoUsers>;
