import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync, accessSync, constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';

/**
 * Writes `data` to a temp file beside `path`, fsyncs it, renames it over `path` and fsyncs the
 * folder: a reader sees the old file or the new one, never half of one, even after a crash.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.tmp-${randomUUID()}`);
  const fd = openSync(temp, 'wx', mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(temp, path);
  fsyncDir(dir);
}

/** Makes a rename or a new file in `dir` durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Flushes a file to disk off the event loop (libuv's thread pool); nothing when it does not exist.
 * NB: for data written without an fsync (a staging file, a WAL written with synchronous=NORMAL):
 * flushed here, the next fsync on the event loop, or under SQLite's write lock, has little left to do.
 */
export async function syncFile(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Creates `dir` if needed and proves it is writable; throws a one-line reason otherwise. */
export function ensureWritableDir(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOTDIR' ? 'a file is in the way' : code === 'ENOSPC' ? 'disk full' : (err as Error).message;
    throw new Error(`${what} ${dir} is not writable: ${why}`);
  }
}
