import type { Db } from './db.ts';

/** SQL over the photo tables of migration 002. Knows rows, not rules; callers hold transactions. */

export interface VersionRow {
  id: number;
  local_id: string;
  source_sha256: string;
  state: 'pending' | 'ready';
  format: string;
  width: number;
  height: number;
  bytes: number;
  file_name: string;
  account: string;
  remote_address: string;
  owner: string;
  seq: number;
  created_at: string;
  uploaded_at: string;
}

export interface CurrentRow {
  local_id: string;
  version_id: number;
  seq: number;
  updated_at: string;
}

export interface FileRow {
  name: string;
  local_id: string;
  version_id: number;
  seq: number;
  mtime: number;
  committed_at: string;
}

export interface ListedFile {
  name: string;
  bytes: number;
  mtime: number;
  source_sha256: string;
  version_id: number;
  /** The commit that listed it (each upload has its own, even of bytes stored already). */
  seq: number;
}

export interface CurrentPhoto {
  local_id: string;
  version_id: number;
  source_sha256: string;
  width: number;
  height: number;
  file_name: string;
  updated_at: string;
  versions: number;
}

export interface RejectionRow {
  id: number;
  file_name: string;
  local_id: string;
  account: string;
  remote_address: string;
  origin: 'sftp' | 'cli' | 'startup';
  bytes: number;
  reason: string;
  created_at: string;
}

/** A version shown already whose display images are still to be made (migration 020). */
export interface RenderRow {
  version_id: number;
  source_sha256: string;
  /** The current photo it replaced, shown again should it turn out undecodable. */
  previous_version_id: number | null;
  origin: 'sftp' | 'cli' | 'startup';
  queued_at: string;
}

export type NewVersion = Omit<VersionRow, 'id'>;
export type NewRejection = Omit<RejectionRow, 'id'>;

/** Rejections kept for the admin list; older ones are only in the log. */
const MAX_REJECTIONS = 10_000;

/** A current photo whose Local ID is no user's, as the admin lists show it. */
export interface UnmatchedRow {
  local_id: string;
  file_name: string;
  updated_at: string;
  account: string;
  source_sha256: string;
}

const UNMATCHED = `SELECT p.local_id, v.file_name, p.updated_at, v.account, v.source_sha256
  FROM photos p JOIN photo_versions v ON v.id = p.version_id
  WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.local_id = p.local_id)`;

export function createPhotoStore(db: Db) {
  return {
    tx: db.tx,
    /** Makes the commits so far survive a power cut (the group commit; see `Db.sync`). */
    sync: db.sync,

    /** Next value of the counter shared by every process on this database. */
    nextSeq(): number {
      return db.get<{ value: number }>('UPDATE photo_sequence SET value = value + 1 WHERE id = 1 RETURNING value')!.value;
    },

    version: (id: number) => db.get<VersionRow>('SELECT * FROM photo_versions WHERE id = ?', id),
    versionBySha: (localId: string, sha: string) =>
      db.get<VersionRow>('SELECT * FROM photo_versions WHERE local_id = ? AND source_sha256 = ?', localId, sha),
    insertVersion(v: NewVersion): number {
      return db.run(
        `INSERT INTO photo_versions (local_id, source_sha256, state, format, width, height, bytes, file_name, account,
           remote_address, owner, seq, created_at, uploaded_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        v.local_id, v.source_sha256, v.state, v.format, v.width, v.height, v.bytes, v.file_name, v.account,
        v.remote_address, v.owner, v.seq, v.created_at, v.uploaded_at,
      ).lastInsertRowid;
    },
    /** Claims a pending row for this process (a re-upload, or startup reconcile). */
    claimPending(id: number, owner: string): void {
      db.run("UPDATE photo_versions SET owner = ? WHERE id = ? AND state = 'pending'", owner, id);
    },
    markReady(id: number, upload: { seq: number; file_name: string; account: string; remote_address: string; uploaded_at: string }): void {
      db.run(
        `UPDATE photo_versions SET state = 'ready', owner = '', seq = max(seq, ?), file_name = ?, account = ?,
           remote_address = ?, uploaded_at = ? WHERE id = ?`,
        upload.seq, upload.file_name, upload.account, upload.remote_address, upload.uploaded_at, id,
      );
    },
    bumpVersionSeq(id: number, seq: number): void {
      db.run('UPDATE photo_versions SET seq = max(seq, ?) WHERE id = ?', seq, id);
    },
    /** The newest ready version uploaded under `name` (what its listing points at again when a newer upload is dropped). */
    newestReadyNamed: (localId: string, name: string) =>
      db.get<VersionRow>("SELECT * FROM photo_versions WHERE local_id = ? AND file_name = ? AND state = 'ready' ORDER BY seq DESC LIMIT 1", localId, name),
    pendingVersions: () => db.all<VersionRow>("SELECT * FROM photo_versions WHERE state = 'pending' ORDER BY seq"),
    /** Deletes a version and queues its content for deletion, in the caller's transaction. */
    deleteVersion(id: number, sha: string, now: string): void {
      db.run('DELETE FROM photo_versions WHERE id = ?', id);
      db.run('INSERT OR IGNORE INTO photo_trash (source_sha256, queued_at) VALUES (?, ?)', sha, now);
    },
    /** Ready versions of a Local ID, newest first. */
    history: (localId: string) =>
      db.all<VersionRow>("SELECT * FROM photo_versions WHERE local_id = ? AND state = 'ready' ORDER BY seq DESC", localId),
    /** Versions another row points at (current photo, listed files, the fallback of a queued render): never pruned. */
    pinnedVersionIds(localId: string): Set<number> {
      const rows = db.all<{ id: number }>(
        `SELECT version_id AS id FROM photos WHERE local_id = ?
         UNION SELECT version_id FROM photo_files WHERE local_id = ?
         UNION SELECT r.previous_version_id FROM photo_renders r JOIN photo_versions v ON v.id = r.version_id
           WHERE v.local_id = ? AND r.previous_version_id IS NOT NULL`,
        localId, localId, localId,
      );
      return new Set(rows.map((r) => r.id));
    },

    current: (localId: string) => db.get<CurrentRow>('SELECT * FROM photos WHERE local_id = ?', localId),
    setCurrent(localId: string, versionId: number, seq: number, now: string): void {
      db.run(
        `INSERT INTO photos (local_id, version_id, seq, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (local_id) DO UPDATE SET version_id = excluded.version_id, seq = excluded.seq, updated_at = excluded.updated_at`,
        localId, versionId, seq, now,
      );
    },
    clearCurrent: (localId: string) => void db.run('DELETE FROM photos WHERE local_id = ?', localId),
    /** Every version of a Local ID, in any state (a purge takes them all). */
    allVersionsOf: (localId: string) => db.all<VersionRow>('SELECT * FROM photo_versions WHERE local_id = ?', localId),
    deleteFilesOfLocalId: (localId: string) => void db.run('DELETE FROM photo_files WHERE local_id = ?', localId),
    /** People inactive since before `cutoff` (ISO time) who still have photo versions, longest gone first. */
    inactiveWithPhotos: (cutoff: string, limit: number) =>
      db.all<{ local_id: string; deactivated_at: string; versions: number }>(
        `SELECT u.local_id, u.deactivated_at, COUNT(v.id) AS versions FROM users u JOIN photo_versions v ON v.local_id = u.local_id
         WHERE u.active = 0 AND u.deactivated_at IS NOT NULL AND u.deactivated_at < ? GROUP BY u.local_id ORDER BY u.deactivated_at, u.local_id LIMIT ?`,
        cutoff,
        limit,
      ),
    currentPhoto: (localId: string) =>
      db.get<CurrentPhoto>(
        `SELECT p.local_id, p.version_id, v.source_sha256, v.width, v.height, v.file_name, p.updated_at,
           (SELECT count(*) FROM photo_versions h WHERE h.local_id = p.local_id AND h.state = 'ready') AS versions
         FROM photos p JOIN photo_versions v ON v.id = p.version_id WHERE p.local_id = ?`,
        localId,
      ),
    /** The sha of the current photo only: the hot path of GET /photos/:localid. */
    currentSha: (localId: string) =>
      db.get<{ sha: string }>('SELECT v.source_sha256 AS sha FROM photos p JOIN photo_versions v ON v.id = p.version_id WHERE p.local_id = ?', localId)?.sha,

    /** Every Local ID with a current photo → its source sha256 (the in-memory index of `photos`). */
    currentShas: () =>
      db.iterate<{ local_id: string; sha: string }>('SELECT p.local_id, v.source_sha256 AS sha FROM photos p JOIN photo_versions v ON v.id = p.version_id'),
    /** Changes whenever another connection (another process) has committed to the database since the last call. */
    dataVersion: () => db.get<{ data_version: number }>('PRAGMA data_version')!.data_version,

    file: (name: string) => db.get<FileRow>('SELECT * FROM photo_files WHERE name = ?', name),
    upsertFile(f: FileRow): void {
      db.run(
        `INSERT INTO photo_files (name, local_id, version_id, seq, mtime, committed_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET version_id = excluded.version_id, seq = excluded.seq, mtime = excluded.mtime,
           committed_at = excluded.committed_at`,
        f.name, f.local_id, f.version_id, f.seq, f.mtime, f.committed_at,
      );
    },
    deleteFile: (name: string) => void db.run('DELETE FROM photo_files WHERE name = ?', name),
    deleteFilesOf: (versionId: number) => void db.run('DELETE FROM photo_files WHERE version_id = ?', versionId),
    setFileMtime: (name: string, mtime: number) => db.run('UPDATE photo_files SET mtime = ? WHERE name = ?', mtime, name).changes > 0,
    /** The newest listed file of a Local ID other than `except`. */
    newestFileOf: (localId: string, except: string) =>
      db.get<FileRow>('SELECT * FROM photo_files WHERE local_id = ? AND name != ? ORDER BY seq DESC LIMIT 1', localId, except),
    listFiles: () =>
      db.all<ListedFile>(
        'SELECT f.name, v.bytes, f.mtime, v.source_sha256, f.version_id, f.seq FROM photo_files f JOIN photo_versions v ON v.id = f.version_id ORDER BY f.name',
      ),
    listedFile: (name: string) =>
      db.get<ListedFile>(
        'SELECT f.name, v.bytes, f.mtime, v.source_sha256, f.version_id, f.seq FROM photo_files f JOIN photo_versions v ON v.id = f.version_id WHERE f.name = ?',
        name,
      ),

    /** Current photos whose Local ID is no user's, newest first. */
    unmatched: (limit: number) => db.all<UnmatchedRow>(`${UNMATCHED} ORDER BY p.updated_at DESC, p.local_id LIMIT ?`, limit),

    /** Unmatched photos whose Local ID is one of `names` in any case, newest first (an index lookup each). */
    unmatchedNamed: (names: string[]) =>
      db.all<UnmatchedRow>(
        `${UNMATCHED} AND p.local_id COLLATE NOCASE IN (SELECT value FROM json_each(?)) ORDER BY p.updated_at DESC, p.local_id`,
        JSON.stringify(names),
      ),

    insertRejection(r: NewRejection): void {
      const id = db.run(
        `INSERT INTO photo_rejections (file_name, local_id, account, remote_address, origin, bytes, reason, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        r.file_name, r.local_id, r.account, r.remote_address, r.origin, r.bytes, r.reason, r.created_at,
      ).lastInsertRowid;
      if (id % 100 === 0) db.run('DELETE FROM photo_rejections WHERE id <= ?', id - MAX_REJECTIONS);
    },
    rejections: (limit: number) => db.all<RejectionRow>('SELECT * FROM photo_rejections ORDER BY id DESC LIMIT ?', limit),
    /** NB: no index needed: the table keeps at most MAX_REJECTIONS rows. */
    rejectionsOf: (localId: string, since: string, limit: number) =>
      db.all<RejectionRow>('SELECT * FROM photo_rejections WHERE local_id = ? AND created_at > ? ORDER BY id DESC LIMIT ?', localId, since, limit),

    queueRender(r: RenderRow): void {
      db.run(
        'INSERT OR IGNORE INTO photo_renders (version_id, source_sha256, previous_version_id, origin, queued_at) VALUES (?, ?, ?, ?, ?)',
        r.version_id, r.source_sha256, r.previous_version_id, r.origin, r.queued_at,
      );
    },
    /** The versions of `sha` waiting for their display images. */
    rendersOf: (sha: string) => db.all<RenderRow>('SELECT * FROM photo_renders WHERE source_sha256 = ? ORDER BY version_id', sha),
    /** Content still to render, oldest first. */
    queuedRenders: () => db.all<{ source_sha256: string }>('SELECT source_sha256 FROM photo_renders GROUP BY source_sha256 ORDER BY min(version_id)'),
    renderedContent: (sha: string) => void db.run('DELETE FROM photo_renders WHERE source_sha256 = ?', sha),
    /** Queued renders that would fall back to `versionId` fall back to nothing, unless a file still lists it. */
    dropUnlistedFallback: (versionId: number) =>
      void db.run(
        'UPDATE photo_renders SET previous_version_id = NULL WHERE previous_version_id = ? AND NOT EXISTS (SELECT 1 FROM photo_files WHERE version_id = ?)',
        versionId, versionId,
      ),
    /** Queued renders that would fall back to `from` fall back to `to` instead (`from` is going). */
    repointRenders: (from: number, to: number | null) => void db.run('UPDATE photo_renders SET previous_version_id = ? WHERE previous_version_id = ?', to, from),

    trash: () => db.all<{ source_sha256: string }>('SELECT source_sha256 FROM photo_trash'),
    /** True when no version uses `sha` any more, i.e. its files may go. */
    isUnused: (sha: string) => db.get('SELECT 1 AS x FROM photo_versions WHERE source_sha256 = ? LIMIT 1', sha) === undefined,
    untrash: (sha: string) => void db.run('DELETE FROM photo_trash WHERE source_sha256 = ?', sha),
  };
}

export type PhotoStore = ReturnType<typeof createPhotoStore>;
