import { chmodSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { chmod, lstat, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** What `makePrivate` changed: counts, and a few of the paths (relative to the folder) as examples. */
export interface PrivateFix {
  folders: number;
  files: number;
  examples: string[];
}

/**
 * Everything the process creates from now on is its owner's only (folders 0700, files 0600),
 * whatever umask it was started with: data_dir holds every student record and photo.
 * NB: process-wide, and SQLite gives the WAL and SHM files the database file's mode.
 */
export function privateUmask(): void {
  process.umask(0o077);
}

/**
 * Takes group and other permissions away from `dir` itself (0700) and from the files directly
 * in it (the database first of all: SQLite gives its WAL and SHM files the database's mode), at
 * once. From then on no one else reaches anything inside, whatever the modes further down.
 */
export function makeFolderPrivate(dir: string): PrivateFix {
  const fix: PrivateFix = { folders: 0, files: 0, examples: [] };
  const st = statSync(dir);
  if ((st.mode & 0o077) !== 0) {
    chmodSync(dir, 0o700);
    fix.folders++;
    fix.examples.push('.');
  }
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(dir, entry.name);
    const mode = lstatSync(path).mode;
    if ((mode & 0o077) === 0) continue;
    chmodSync(path, mode & 0o700);
    fix.files++;
    if (fix.examples.length < 5) fix.examples.push(entry.name);
  }
  return fix;
}

/**
 * Takes group and other permissions away from everything in `dir` (folders become 0700, files
 * 0600, or 0700 if their owner could execute them), following symlinks to folders once. For a
 * data folder written under a wider umask, or copied in by hand.
 *
 * NB: asynchronous, one file system call at a time, so that a running appliance keeps serving
 * while it walks: a district of a million photos has four million files, and a synchronous walk
 * held start-up for about 35 s (bench/growth.ts). Call `makeFolderPrivate(dir)` first, so the
 * files are out of others' reach before the walk gets to them. Stops early when `signal` aborts.
 */
export async function makePrivate(dir: string, signal?: AbortSignal): Promise<PrivateFix> {
  const fix: PrivateFix = { folders: 0, files: 0, examples: [] };
  const visited = new Set<string>();
  // NB: the appliance deletes files while this walks (temp files, replaced photos): a path that
  // is gone by the time it is reached is skipped, not an error.
  const gone = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';
  const tighten = async (path: string, mode: number, folder: boolean) => {
    if ((mode & 0o077) === 0) return;
    try {
      await chmod(path, folder ? 0o700 : mode & 0o700);
    } catch (err) {
      if (gone(err)) return;
      throw err;
    }
    if (folder) fix.folders++;
    else fix.files++;
    if (fix.examples.length < 5) fix.examples.push(relative(dir, path) || '.');
  };
  const walk = async (folder: string) => {
    let st;
    try {
      st = await stat(folder);
    } catch (err) {
      if (gone(err)) return;
      throw err;
    }
    const id = `${st.dev}:${st.ino}`;
    if (visited.has(id)) return;
    visited.add(id);
    await tighten(folder, st.mode, true);
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      if (gone(err)) return;
      throw err;
    }
    for (const entry of entries) {
      if (signal?.aborted) return;
      const path = join(folder, entry.name);
      let st2;
      try {
        st2 = entry.isSymbolicLink() ? await stat(path) : await lstat(path);
      } catch (err) {
        if (gone(err)) continue; // or a dangling link
        throw err;
      }
      if (st2.isDirectory()) await walk(path);
      else if (st2.isFile()) await tighten(path, st2.mode, false);
    }
  };
  await walk(dir);
  return fix;
}
