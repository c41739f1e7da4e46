import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/errors.ts';
import { isAlive } from '../../storage/photo-files.ts';

/**
 * Work copies of uploaded data files, one folder per import under `workRoot`, shared by the
 * roster and the devices importer (the CLI and the server may import at the same time).
 */

/**
 * Takes a stable copy of `path` (a hard link when possible: the upload may be replaced while it
 * is read) and of the `companions` beside it that exist, in a folder of its own; returns it.
 */
export function takeWorkCopy(workRoot: string, path: string, file: string, companions: readonly string[] = []): string {
  if (!existsSync(path)) throw new AppError('not_found', `there is no file ${path}`);
  // NB: named by pid, so a start-up can tell a dead process's folder from a live CLI import's.
  const dir = newWorkFolder(workRoot);
  try {
    for (const name of [file, ...companions]) {
      const from = name === file ? path : join(dirname(path), name);
      if (name !== file && !existsSync(from)) continue;
      try {
        linkSync(from, join(dir, name));
      } catch {
        copyFileSync(from, join(dir, name));
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** An empty work folder of this process (removed at the next start if the process dies). */
export function newWorkFolder(workRoot: string): string {
  const dir = join(workRoot, `${process.pid}-${randomUUID()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Deletes the work folders of imports whose process is gone (a crash cut them off); returns how many. */
export function removeDeadWorkCopies(workRoot: string): number {
  let removed = 0;
  for (const entry of existsSync(workRoot) ? readdirSync(workRoot) : []) {
    const pid = Number(entry.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || isAlive(pid))) continue;
    rmSync(join(workRoot, entry), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
