import { existsSync, mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';

/**
 * The photo content store under `<data_dir>/photos`:
 *   sha256/ab/<sha>                 the bytes as uploaded (never served to the web)
 *   sha256/ab/<sha>.<variant>.jpg   display renderings (thumb, profile, full)
 *   tmp/<pid>-<id>/                 this process's temp files; a dead process's folder is debris
 * Files are addressed by the SHA-256 of the upload, so a path never changes meaning: a file is
 * written once (temp → fsync → rename → fsync folder) and only ever deleted, never rewritten.
 */
export interface PhotoFiles {
  readonly root: string;
  sourcePath(sha: string): string;
  displayPath(sha: string, variant: string): string;
  /** A fresh path inside this process's temp folder. */
  tempPath(): string;
  /** Copies a file the store must not take over (CLI input) into a temp path. */
  copyToTemp(path: string): Promise<string>;
  /**
   * Renames `tempPath` to the source path of `sha` (or deletes it when those bytes are there
   * already, checked byte for byte: an intact file in place is never replaced by a copy not yet
   * on disk; a torn one is), then fsyncs the file
   * and its folder. `whileSyncing` runs once the file is in place and its promise is awaited
   * together with the two fsyncs (the database's group commit): the three land on disk in one
   * round rather than one after another. NB: until this resolves, a power cut may leave the
   * source missing or torn; start-up checks the bytes of every pending version (`sourceIntact`).
   */
  adoptSource(tempPath: string, sha: string, whileSyncing?: () => Promise<void>): Promise<void>;
  /** Whether the source of `sha` is there and holds exactly the bytes of that hash. */
  sourceIntact(sha: string): Promise<boolean>;
  /** Writes a display rendering durably: temp, fsync, rename. Call `syncFolder` afterwards. */
  writeDisplay(sha: string, variant: string, bytes: Uint8Array): Promise<void>;
  /** Makes the renames into the folder of `sha` durable. */
  syncFolder(sha: string): Promise<void>;
  readDisplay(sha: string, variant: string): Promise<Buffer>;
  /** Whether every rendering in `variants` of `sha` is in place (each is renamed in whole or not at all). */
  hasDisplays(sha: string, variants: readonly string[]): boolean;
  hasSource(sha: string): boolean;
  /** Deletes the source and every rendering of `sha` (synchronously: see the trash in photo-store). */
  removeContent(sha: string, variants: readonly string[]): void;
  /** Deletes temp folders left by processes that no longer run; returns how many. */
  removeDeadTemp(): number;
  /** Deletes this process's temp folder (on a clean stop). */
  removeOwnTemp(): void;
  /** Deletes a temp file, ignoring one that is already gone. */
  discard(path: string): Promise<void>;
}

export function openPhotoFiles(dataDir: string): PhotoFiles {
  const root = join(dataDir, 'photos');
  const contentRoot = join(root, 'sha256');
  const tmpRoot = join(root, 'tmp');
  const ownTmp = join(tmpRoot, `${process.pid}-${randomUUID().slice(0, 8)}`);
  mkdirSync(contentRoot, { recursive: true });
  let tmpReady = false;

  const folder = (sha: string) => join(contentRoot, sha.slice(0, 2));
  // At most 256 shard folders: create each once per process, not once per file.
  const madeFolders = new Set<string>();
  const placing = new Map<string, Promise<void>>();
  const intact = async (sha: string): Promise<boolean> => {
    try {
      return createHash('sha256').update(await readFile(sourcePath(sha))).digest('hex') === sha;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  };
  const ensureFolder = async (sha: string) => {
    const dir = folder(sha);
    if (madeFolders.has(dir)) return;
    await mkdir(dir, { recursive: true });
    madeFolders.add(dir);
  };
  const sourcePath = (sha: string) => join(folder(sha), sha);
  const displayPath = (sha: string, variant: string) => join(folder(sha), `${sha}.${variant}.jpg`);
  const tempPath = () => {
    if (!tmpReady) {
      mkdirSync(ownTmp, { recursive: true });
      tmpReady = true;
    }
    return join(ownTmp, randomUUID());
  };

  async function fsyncPath(path: string, flags: string): Promise<void> {
    const handle = await open(path, flags);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  return {
    root,
    sourcePath,
    displayPath,
    tempPath,
    async copyToTemp(path) {
      const temp = tempPath();
      await copyFile(path, temp);
      return temp;
    },
    async adoptSource(temp, sha, whileSyncing) {
      // One placement per sha at a time in this process: identical bytes arriving together are
      // placed once, and a file in place is never replaced by a copy not yet on disk.
      const before = placing.get(sha);
      const placed = (async () => {
        await before?.catch(() => undefined);
        await ensureFolder(sha);
        // NB: trusted only when its bytes are those of the hash: a power cut after a rename and
        // before its fsyncs can leave a torn file that no version names (its pending row lost too),
        // and the client then sends the same file again. A torn one is replaced.
        if (existsSync(sourcePath(sha)) && (await intact(sha))) return unlink(temp);
        try {
          await rename(temp, sourcePath(sha));
        } catch (err) {
          // NB: the contract says staging is on data_dir's filesystem; copy rather than fail if not.
          if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
          const copy = tempPath();
          await copyFile(temp, copy);
          await rename(copy, sourcePath(sha));
          await unlink(temp);
        }
      })();
      placing.set(sha, placed);
      try {
        await placed;
      } finally {
        if (placing.get(sha) === placed) placing.delete(sha);
      }
      // The upload is acknowledged right after this: its bytes and its rename must survive a power
      // cut. In parallel: on ext4 concurrent fsyncs share one journal commit.
      await Promise.all([fsyncPath(sourcePath(sha), 'r'), fsyncPath(folder(sha), 'r'), whileSyncing?.()]);
    },
    sourceIntact: (sha) => intact(sha),
    async writeDisplay(sha, variant, bytes) {
      await ensureFolder(sha);
      const temp = tempPath();
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, displayPath(sha, variant));
    },
    syncFolder: (sha) => fsyncPath(folder(sha), 'r'),
    readDisplay: (sha, variant) => readFile(displayPath(sha, variant)),
    hasDisplays: (sha, variants) => variants.every((v) => existsSync(displayPath(sha, v))),
    hasSource: (sha) => existsSync(sourcePath(sha)),
    removeContent(sha, variants) {
      for (const path of [sourcePath(sha), ...variants.map((v) => displayPath(sha, v))]) {
        try {
          unlinkSync(path);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    },
    removeDeadTemp() {
      if (!existsSync(tmpRoot)) return 0;
      let removed = 0;
      for (const entry of readdirSync(tmpRoot)) {
        const pid = Number(entry.split('-')[0]);
        if (join(tmpRoot, entry) === ownTmp || (Number.isInteger(pid) && pid !== process.pid && isAlive(pid))) continue;
        rmSync(join(tmpRoot, entry), { recursive: true, force: true });
        removed++;
      }
      return removed;
    },
    removeOwnTemp() {
      rmSync(ownTmp, { recursive: true, force: true });
      tmpReady = false;
    },
    async discard(path) {
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
    },
  };
}

/** Whether a process with this id runs (owner checks of temp folders and pending rows). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
