import type { Db } from './db.ts';

/*
 * What the admin status and photos pages count across tables: who has no photo, what arrived
 * lately. Only reads; the roster and the photo store own the writes.
 */

export interface PhotoCounts {
  /** Users (active or not) with a current photo. */
  current: number;
  /** Current photos whose Local ID is no user's (yet). */
  unmatched: number;
  rejected: number;
}

export interface MissingPhotos {
  building: string;
  grade: string;
  users: number;
  without: number;
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

export function createStatusStore(db: Db) {
  return {
    photoCounts: (): PhotoCounts =>
      db.get<PhotoCounts>(
        `SELECT (SELECT count(*) FROM photos p WHERE EXISTS (SELECT 1 FROM users u WHERE u.local_id = p.local_id)) AS current,
                (SELECT count(*) FROM photos p WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.local_id = p.local_id)) AS unmatched,
                (SELECT count(*) FROM photo_rejections) AS rejected`,
      )!,

    /** Active students without a current photo, by building and grade (only groups missing some). */
    missingPhotosByGroup: (): MissingPhotos[] =>
      db.all<MissingPhotos>(
        `SELECT u.building, u.grade, count(*) AS users, sum(p.local_id IS NULL) AS without
           FROM users u LEFT JOIN photos p ON p.local_id = u.local_id
          WHERE u.active = 1 AND u.role = 'student'
          GROUP BY u.building, u.grade
         HAVING without > 0`,
      ),

    /** Active staff, and how many of them have no current photo (staff have no grade: counted apart). */
    staffPhotos: (): { users: number; without: number } =>
      db.get<{ users: number; without: number }>(
        `SELECT count(*) AS users, coalesce(sum(p.local_id IS NULL), 0) AS without
           FROM users u LEFT JOIN photos p ON p.local_id = u.local_id
          WHERE u.active = 1 AND u.role = 'staff'`,
      )!,

    /** Photos most recently made current (uploads and restores), newest first. */
    recentPhotos: (limit = 25): RecentPhoto[] =>
      db.all<RecentPhoto>(
        `SELECT p.local_id, p.updated_at, v.file_name, v.account, v.width, v.height, v.bytes, u.first_name, u.last_name
           FROM photos p JOIN photo_versions v ON v.id = p.version_id LEFT JOIN users u ON u.local_id = p.local_id
          ORDER BY p.seq DESC LIMIT ?`,
        limit,
      ),
  };
}

export type StatusStore = ReturnType<typeof createStatusStore>;
