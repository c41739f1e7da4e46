import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, constants, copyFileSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { isInside } from '../../shared/paths.ts';
import type { Storage } from '../../storage/index.ts';
import { readSnapshot } from '../../storage/snapshot.ts';
import { fsyncDir } from '../../storage/files.ts';
import { isAlive, openPhotoFiles } from '../../storage/photo-files.ts';

/** Where the appliance keeps the backup it takes before upgrading data_dir (inside data_dir). */
export const UPGRADE_BACKUPS = 'backups';

/** Parts of data_dir that are temporary or rebuilt by themselves: never backed up. */
const SKIPPED = new Set([
  'idphotos.db', // copied as one consistent snapshot instead of file by file
  'idphotos.db-wal',
  'idphotos.db-shm',
  'idphotos.db-journal',
  join('photos', 'tmp'), // files being written
  'sftp', // uploads in flight
  join('imports', 'work'), // imports in progress
  join('imports', 'roster-lock.db'), // the roster import lock: an empty database held open
  join('imports', 'roster-lock.db-wal'),
  join('imports', 'roster-lock.db-shm'),
  'runtime', // native libraries the executable unpacks again
  UPGRADE_BACKUPS, // backups taken before upgrades: copies of what is backed up already
]);

/** Files named by their content: never rewritten, so a copy taken once stays right. */
const CONTENT = join('photos', 'sha256');

export interface BackupSummary {
  dest: string;
  users: number;
  photos: number;
  versions: number;
  imports: number;
  files: number;
  bytes: number;
  /** Kept versions (not current photos) without their file in the backup: deleted meanwhile. */
  versionsWithoutFile: number;
}

export interface BackupHooks {
  /** Called between the first copy and the database snapshot (tests change files there). */
  afterFirstPass?(): void;
  /**
   * The backup an upgrade takes into data_dir/backups/: allowed inside data_dir (that folder is
   * never copied), and photo files are hard-linked rather than copied where the disk allows it
   * (they are named by their content and never rewritten), so it costs neither time nor space.
   */
  beforeUpgrade?: boolean;
}

/**
 * Writes a consistent copy of `dataDir` into the new folder `dest` while the appliance runs:
 * the database as one consistent snapshot, every file it refers to, the SSH host keys,
 * held import files and the last roster files. Restoring is putting `dest` in place of data_dir.
 *
 * A first pass copies everything; then the database snapshot is taken; then a second pass copies
 * the photos that arrived meanwhile and every other file again (a roster export replaced meanwhile
 * must match the snapshot's import history, or a restore would import an older one). Photo files
 * are named by their content, so the first copy of one stays right. Everything goes into
 * `<dest>.partial-<pid>`, is flushed to disk, and is renamed at the end: a cut-off backup never
 * looks complete. Every file in it is readable by its owner only: it holds student records.
 * Throws AppError('conflict' | 'invalid') for a destination it must not use.
 */
export function writeBackup(storage: Pick<Storage, 'snapshotTo'>, dataDir: string, dest: string, hooks: BackupHooks = {}): BackupSummary {
  if (existsSync(dest)) throw new AppError('conflict', `${dest} already exists: name a new folder for each backup`);
  const realData = realpathSync(dataDir);
  const intoUpgrades = hooks.beforeUpgrade === true && isInside(realDestination(dest), join(realData, UPGRADE_BACKUPS));
  if (!intoUpgrades && isInside(realDestination(dest), realData)) {
    throw new AppError('invalid', `${dest} is inside data_dir ${dataDir}: a backup there would copy itself, and goes with the disk it protects`);
  }
  removeDeadPartials(dest);
  const partial = `${dest}.partial-${process.pid}`;
  mkdirSync(partial, { recursive: true, mode: 0o700 });
  const copied = { files: 0, bytes: 0 };
  try {
    // NB: the backup's own folder counts as visited, so a symlink in data_dir that leads to it is not copied into itself.
    const self = statSync(partial);
    const copy = (refresh: boolean) => copyTree(realData, partial, { root: realData, copied, refresh, link: intoUpgrades, visited: new Set([`${self.dev}:${self.ino}`]) });
    copy(false);
    hooks.afterFirstPass?.();
    const snapshot = join(partial, 'idphotos.db');
    storage.snapshotTo(snapshot);
    chmodSync(snapshot, 0o600);
    copied.files++;
    copied.bytes += statSync(snapshot).size;
    copy(true);
    const summary = checkSnapshot(snapshot, partial);
    flushToDisk(partial);
    renameSync(partial, dest);
    fsyncDir(dirname(dest));
    return { dest, ...summary, files: copied.files, bytes: copied.bytes };
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC' || /SQLITE_FULL|database or disk is full/i.test(String(err))) {
      throw new Error(`the disk of ${dest} is full after ${(copied.bytes / 1024 / 1024).toFixed(1)} MiB: nothing was kept; free space there or choose another disk`);
    }
    throw err;
  }
}

/** The real path `dest` will have: its nearest existing parent resolved, the rest appended. */
function realDestination(dest: string): string {
  const parent = dirname(dest);
  if (parent === dest) return dest;
  return existsSync(parent) ? join(realpathSync(parent), basename(dest)) : join(realDestination(parent), basename(dest));
}

/** Removes what backups to `dest` cut off by a crash or Ctrl-C left: they hold student records too. */
function removeDeadPartials(dest: string): void {
  const prefix = `${basename(dest)}.partial-`;
  if (!existsSync(dirname(dest))) return;
  for (const name of readdirSync(dirname(dest))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
      throw new AppError('conflict', `another backup to ${dest} is running (process ${pid})`);
    }
    rmSync(join(dirname(dest), name), { recursive: true, force: true });
  }
}

interface CopyState {
  root: string;
  copied: { files: number; bytes: number };
  /** Copy again what the backup has already, except content-named photo files. */
  refresh: boolean;
  /** Hard-link content-named photo files where the filesystem allows it. */
  link: boolean;
  /** Folders copied in this pass, by device and inode: a symlink loop is walked once. */
  visited: Set<string>;
}

/**
 * Copies `from` into `to`, leaving out SKIPPED (paths relative to the root). Symlinks are followed,
 * so a photos folder linked to a larger disk is backed up like any other.
 */
function copyTree(from: string, to: string, state: CopyState): void {
  const folder = statSync(from);
  const id = `${folder.dev}:${folder.ino}`;
  if (state.visited.has(id)) return;
  state.visited.add(id);
  for (const name of readdirSync(from)) {
    const source = join(from, name);
    const rel = relative(state.root, source);
    if (SKIPPED.has(rel)) continue;
    const target = join(to, name);
    let st;
    try {
      st = statSync(source);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile, or a dangling link
      throw err;
    }
    if (st.isDirectory()) {
      mkdirSync(target, { recursive: true, mode: 0o700 });
      copyTree(source, target, state);
      continue;
    }
    if (!st.isFile()) continue;
    const content = rel.startsWith(CONTENT + sep);
    const existed = existsSync(target);
    if (existed && (content || !state.refresh)) continue;
    try {
      if (!(content && state.link && tryLink(source, target))) {
        // NB: a clone where the filesystem can (no data copied), a copy elsewhere.
        copyFileSync(source, target, constants.COPYFILE_FICLONE);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
      throw err;
    }
    chmodSync(target, 0o600);
    if (existed) continue; // copied again: counted once
    state.copied.files++;
    state.copied.bytes += st.size;
  }
}

/** Hard-links `source` as `target`; false where links cannot be made (another disk, a file system without them). */
function tryLink(source: string, target: string): boolean {
  try {
    linkSync(source, target);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return false;
    throw err;
  }
}

/**
 * Makes the backup durable before it is renamed into place: one `sync -f` for its filesystem
 * (one call, where fsyncing each of tens of thousands of files would take minutes), else each file.
 */
function flushToDisk(dir: string): void {
  const synced = spawnSync('sync', ['-f', dir], { stdio: 'ignore' });
  if (synced.status === 0) return;
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else {
        const fd = openSync(path, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      }
    }
    fsyncDir(folder);
  };
  walk(dir);
}

/** Opens the snapshot, checks it, and that every current photo's file is in the backup. */
function checkSnapshot(dbPath: string, backupDir: string): Omit<BackupSummary, 'dest' | 'files' | 'bytes'> {
  const snap = readSnapshot(dbPath);
  if (snap.integrity !== 'ok') throw new Error(`the database snapshot failed its integrity check: ${snap.integrity}`);
  const backupPhotos = openPhotoFiles(backupDir);
  const source = (sha: string) => backupPhotos.hasSource(sha);
  const lost = snap.current.filter((p) => !source(p.sha));
  if (lost.length) {
    throw new Error(`the backup lacks the photo files of ${lost.length} current photos (${lost.slice(0, 5).map((p) => p.local_id).join(', ')}): run it again`);
  }
  return {
    users: snap.users,
    photos: snap.current.length,
    versions: snap.kept.length,
    imports: snap.imports,
    versionsWithoutFile: snap.kept.filter((sha) => !source(sha)).length,
  };
}

/** `idphotos backup` as the composition root hands it out: this data_dir, this database. */
export function createBackups(storage: Pick<Storage, 'snapshotTo'>, dataDir: string) {
  return {
    /** See `writeBackup`. */
    write: (dest: string, hooks?: BackupHooks): BackupSummary => writeBackup(storage, dataDir, dest, hooks),
  };
}

export type Backups = ReturnType<typeof createBackups>;
