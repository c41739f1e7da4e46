import { integrityCheck, openDatabase, type Db } from './db.ts';

/** What a database snapshot holds, read back from the snapshot file itself. */
export interface SnapshotContents {
  /** `PRAGMA integrity_check`: "ok" or the problems SQLite found. */
  integrity: string;
  users: number;
  imports: number;
  /** Each current photo's source sha256 and Local ID. */
  current: { sha: string; local_id: string }[];
  /** Source sha256 of every kept (ready) photo version. */
  kept: string[];
}

/** Writes a consistent copy of the live database to `path` (`VACUUM INTO`), beside running writers. */
export function snapshotInto(db: Db, path: string): void {
  db.run('VACUUM INTO ?', path);
}

/** Opens a snapshot read-only and reads what a backup checks; an unreadable one throws. */
export function readSnapshot(path: string): SnapshotContents {
  const snap = openDatabase(path, { readonly: true, migrate: false });
  try {
    const integrity = integrityCheck(snap);
    if (integrity !== 'ok') return { integrity, users: 0, imports: 0, current: [], kept: [] };
    const count = (sql: string) => snap.get<{ n: number }>(sql)!.n;
    return {
      integrity,
      users: count('SELECT count(*) AS n FROM users'),
      imports: count('SELECT count(*) AS n FROM imports'),
      current: snap.all<{ sha: string; local_id: string }>('SELECT v.source_sha256 AS sha, p.local_id FROM photos p JOIN photo_versions v ON v.id = p.version_id'),
      kept: snap.all<{ sha: string }>("SELECT source_sha256 AS sha FROM photo_versions WHERE state = 'ready'").map((r) => r.sha),
    };
  } finally {
    snap.close();
  }
}
