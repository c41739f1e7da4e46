import { statfsSync, statSync } from 'node:fs';
import type { Db } from '../../storage/db.ts';

export interface UserCounts {
  students: number;
  staff: number;
  inactive: number;
}

/** Active users by role, and how many are inactive. */
export function userCounts(db: Db): UserCounts {
  const rows = db.all<{ role: string; active: number; n: number }>('SELECT role, active, count(*) AS n FROM users GROUP BY role, active');
  const counts: UserCounts = { students: 0, staff: 0, inactive: 0 };
  for (const r of rows) {
    if (!r.active) counts.inactive += r.n;
    else if (r.role === 'student') counts.students += r.n;
    else counts.staff += r.n;
  }
  return counts;
}

/*
 * The queries below read the photo store's tables (002-photos) to answer questions about
 * users: who has no photo, what arrived lately. They only read; the photo store owns writes.
 */

export interface PhotoCounts {
  /** Users (active or not) with a current photo. */
  current: number;
  /** Current photos whose Local ID is no user's (yet). */
  unmatched: number;
  rejected: number;
}

export function photoCounts(db: Db): PhotoCounts {
  return db.get<PhotoCounts>(
    `SELECT (SELECT count(*) FROM photos p WHERE EXISTS (SELECT 1 FROM users u WHERE u.local_id = p.local_id)) AS current,
            (SELECT count(*) FROM photos p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.local_id = p.local_id)) AS unmatched,
            (SELECT count(*) FROM photo_rejections) AS rejected`,
  )!;
}

export interface MissingPhotos {
  building: string;
  grade: string;
  users: number;
  without: number;
}

/** Active users without a current photo, by building and grade (only groups missing some). */
export function missingPhotosByGroup(db: Db): MissingPhotos[] {
  return db.all<MissingPhotos>(
    `SELECT u.building, u.grade, count(*) AS users, sum(p.local_id IS NULL) AS without
       FROM users u LEFT JOIN photos p ON p.local_id = u.local_id
      WHERE u.active = 1
      GROUP BY u.building, u.grade
     HAVING without > 0`,
  );
}

export interface RecentPhoto {
  local_id: string;
  updated_at: string;
  file_name: string;
  account: string;
  width: number;
  height: number;
  bytes: number;
  first_name: string | null;
  last_name: string | null;
}

/** Photos most recently made current (uploads and restores), newest first. */
export function recentPhotos(db: Db, limit = 25): RecentPhoto[] {
  return db.all<RecentPhoto>(
    `SELECT p.local_id, p.updated_at, v.file_name, v.account, v.width, v.height, v.bytes, u.first_name, u.last_name
       FROM photos p JOIN photo_versions v ON v.id = p.version_id LEFT JOIN users u ON u.local_id = p.local_id
      ORDER BY p.seq DESC LIMIT ?`,
    limit,
  );
}

export interface DiskUse {
  free: number;
  total: number;
  /** The database file and its write-ahead log. */
  database: number;
}

/** Space on the data_dir's file system; undefined where the platform cannot tell. */
export function diskUse(dataDir: string, dbPath: string): DiskUse | undefined {
  try {
    const fs = statfsSync(dataDir);
    let database = 0;
    for (const suffix of ['', '-wal']) {
      try {
        database += statSync(dbPath + suffix).size;
      } catch {
        // no write-ahead log right now
      }
    }
    return { free: fs.bavail * fs.bsize, total: fs.blocks * fs.bsize, database };
  } catch {
    return undefined;
  }
}
