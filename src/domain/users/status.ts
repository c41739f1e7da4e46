import { statfsSync, statSync } from 'node:fs';
import type { MissingPhotos, PhotoCounts, RecentPhoto, StatusStore } from '../../storage/status-store.ts';
import { gradeCompare, naturalCompare } from './users.ts';

export type { MissingPhotos, PhotoCounts, RecentPhoto };
export type { UserCounts } from '../../storage/user-store.ts';

export interface DiskUse {
  free: number;
  total: number;
  /** The database file and its write-ahead log. */
  database: number;
}

/** What the admin status and photos pages report about photos and the disk. */
export function createStatusReport(status: StatusStore, where: { dataDir: string; dbPath: string }) {
  return {
    photoCounts: (): PhotoCounts => status.photoCounts(),
    /** Active staff and how many have no photo. */
    staffPhotos: () => status.staffPhotos(),
    /** Active students without a current photo, by building and grade in school order (only groups missing some). */
    missingPhotos: (): MissingPhotos[] =>
      status.missingPhotosByGroup().sort((a, b) => naturalCompare(a.building, b.building) || gradeCompare(a.grade, b.grade)),
    /** Photos most recently made current (uploads and restores), newest first. */
    recentPhotos: (limit = 25): RecentPhoto[] => status.recentPhotos(limit),
    diskUse: (): DiskUse | undefined => diskUse(where.dataDir, where.dbPath),
  };
}

export type StatusReport = ReturnType<typeof createStatusReport>;

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
