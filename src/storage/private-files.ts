import { chmodSync, lstatSync, readdirSync, statSync } from 'node:fs';
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
 * Takes group and other permissions away from `dir` and everything in it (folders become 0700,
 * files 0600, or 0700 if their owner could execute them), following symlinks to folders once.
 * For a data folder written under a wider umask, or copied in by hand.
 */
export function makePrivate(dir: string): PrivateFix {
  const fix: PrivateFix = { folders: 0, files: 0, examples: [] };
  const visited = new Set<string>();
  const tighten = (path: string, mode: number, folder: boolean) => {
    if ((mode & 0o077) === 0) return;
    chmodSync(path, folder ? 0o700 : mode & 0o700);
    if (folder) fix.folders++;
    else fix.files++;
    if (fix.examples.length < 5) fix.examples.push(relative(dir, path) || '.');
  };
  const walk = (folder: string) => {
    const st = statSync(folder);
    const id = `${st.dev}:${st.ino}`;
    if (visited.has(id)) return;
    visited.add(id);
    tighten(folder, st.mode, true);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      let st2;
      try {
        st2 = entry.isSymbolicLink() ? statSync(path) : lstatSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile, or a dangling link
        throw err;
      }
      if (st2.isDirectory()) walk(path);
      else if (st2.isFile()) tighten(path, st2.mode, false);
    }
  };
  walk(dir);
  return fix;
}
