import { constants, copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { isInside } from '../../shared/paths.ts';
import { integrityCheck, openDatabase, type Db } from '../../storage/db.ts';

/** Parts of data_dir that are temporary or rebuilt by themselves: never backed up. */
const SKIPPED = [
  'idphotos.db', // copied as one consistent snapshot instead of file by file
  'idphotos.db-wal',
  'idphotos.db-shm',
  'idphotos.db-journal',
  join('photos', 'tmp'), // files being written
  'sftp', // uploads in flight
  join('imports', 'work'), // imports in progress
  'runtime', // native libraries the executable unpacks again
];

export interface BackupSummary {
  dest: string;
  users: number;
  photos: number;
  versions: number;
  imports: number;
  files: number;
  bytes: number;
  /** Kept versions (not current photos) whose file was deleted while the backup ran: not in it. */
  versionsWithoutFile: number;
}

/**
 * Writes a consistent copy of `dataDir` into the new folder `dest` while the appliance runs:
 * the database as one snapshot (`VACUUM INTO`), every file it refers to, the SSH host keys and
 * held import files. Restoring is copying `dest` back as data_dir.
 *
 * Photo files are named by their content and never rewritten, so copying them first and taking
 * the snapshot after leaves only the files that arrived in between, which a second pass copies.
 * Everything goes into `<dest>.partial-<pid>` first and is renamed at the end: a cut-off backup
 * never looks complete.
 */
export function writeBackup(db: Db, dataDir: string, dest: string): BackupSummary {
  if (existsSync(dest)) throw new AppError('conflict', `${dest} already exists: name a new folder for each backup`);
  if (isInside(dest, dataDir)) throw new AppError('invalid', `${dest} is inside data_dir ${dataDir}: a backup there would copy itself, and goes with the disk it protects`);
  const partial = `${dest}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  try {
    const copied = { files: 0, bytes: 0 };
    copyTree(dataDir, partial, dataDir, copied);
    db.run('VACUUM INTO ?', join(partial, 'idphotos.db'));
    // Photos and held files that arrived while the first pass ran.
    copyTree(dataDir, partial, dataDir, copied);
    const summary = checkSnapshot(join(partial, 'idphotos.db'), partial);
    renameSync(partial, dest);
    return { dest, ...summary, files: copied.files, bytes: copied.bytes };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    throw err;
  }
}

/** Copies what `from` holds and `to` lacks, leaving out SKIPPED (paths relative to `root`). */
function copyTree(from: string, to: string, root: string, copied: { files: number; bytes: number }): void {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (SKIPPED.includes(relative(root, source))) continue;
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(target, { recursive: true, mode: 0o700 });
      copyTree(source, target, root, copied);
    } else if (entry.isFile() && !existsSync(target)) {
      try {
        // NB: a clone where the filesystem can (no data copied), a copy elsewhere; the mode goes along.
        copyFileSync(source, target, constants.COPYFILE_FICLONE);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
        throw err;
      }
      copied.files++;
      copied.bytes += statSync(target).size;
    }
  }
}

/** Opens the snapshot, checks it, and that every current photo's file is in the backup. */
function checkSnapshot(dbPath: string, backupDir: string): Omit<BackupSummary, 'dest' | 'files' | 'bytes'> {
  const snap = openDatabase(dbPath, { readonly: true, migrate: false });
  try {
    const integrity = integrityCheck(snap);
    if (integrity !== 'ok') throw new Error(`the database snapshot failed its integrity check: ${integrity}`);
    const count = (sql: string) => snap.get<{ n: number }>(sql)!.n;
    const source = (sha: string) => existsSync(join(backupDir, 'photos', 'sha256', sha.slice(0, 2), sha));
    const current = snap.all<{ sha: string; local_id: string }>(
      'SELECT v.source_sha256 AS sha, p.local_id FROM photos p JOIN photo_versions v ON v.id = p.version_id',
    );
    const lost = current.filter((p) => !source(p.sha));
    if (lost.length) {
      throw new Error(`the backup lacks the photo files of ${lost.length} current photos (${lost.slice(0, 5).map((p) => p.local_id).join(', ')}): run it again`);
    }
    const kept = snap.all<{ sha: string }>("SELECT source_sha256 AS sha FROM photo_versions WHERE state = 'ready'");
    return {
      users: count('SELECT count(*) AS n FROM users'),
      photos: current.length,
      versions: kept.length,
      imports: count('SELECT count(*) AS n FROM imports'),
      versionsWithoutFile: kept.filter((v) => !source(v.sha)).length,
    };
  } finally {
    snap.close();
  }
}
