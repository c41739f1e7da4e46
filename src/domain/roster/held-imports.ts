import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import type { Tx } from '../../storage/index.ts';
import { fsyncDir } from '../../storage/files.ts';
import type { ImportRow, ImportStore, ImportUpdate } from '../../storage/roster-import-store.ts';

/**
 * What the roster and the devices importer share about a held import: the admin's decision is
 * recorded the same way, and approving needs the file the hold kept.
 */

/** Throws AppError('conflict') unless `row` is held. */
export function assertHeld(row: ImportRow): ImportRow {
  if (row.status !== 'held') throw new AppError('conflict', `import ${row.id} is ${row.status}, not held: only a held import can be approved or discarded`);
  return row;
}

/** Records an admin's (or idphotos') decision on an import: its status, when, and by whom. */
export function decideImport(imports: ImportStore, id: number, changes: ImportUpdate, actor: string): void {
  imports.updateImport(id, { ...changes, decided_at: new Date().toISOString(), decided_by: actor });
}

/** Writes an import's outcome; for the approval of a held import, also who decided and when. */
export function finishImport(imports: ImportStore, id: number, changes: ImportUpdate, approval?: { actor: string }): void {
  if (approval) decideImport(imports, id, { ...changes, held_dir: '' }, approval.actor);
  else imports.updateImport(id, changes);
}

/**
 * Discards the held imports of `source` older than `newId`: approving one would roll the newer
 * data back. Returns them; their folders go once the caller's transaction has committed.
 */
export function supersedeHeld(imports: ImportStore, source: string, newId: number): ImportRow[] {
  const old = imports.heldOfSource(source).filter((r) => r.id < newId);
  for (const r of old) decideImport(imports, r.id, { status: 'discarded', reason: `superseded by import ${newId}`, held_dir: '' }, 'idphotos');
  return old;
}

/**
 * The file a held import kept, to apply it on approval. When it is gone the import is refused
 * (recorded) and AppError('conflict') thrown: the admin uploads the file again.
 */
export function heldFileOrRefuse(imports: ImportStore, row: ImportRow, actor: string, heldRoot: string): string {
  const path = join(heldDir(heldRoot, row.id), row.file);
  if (existsSync(path)) return path;
  decideImport(imports, row.id, { status: 'refused', reason: 'the held file is gone from the data folder; upload it again' }, actor);
  throw new AppError('conflict', `import ${row.id}: the held file is gone; upload it again`);
}

/**
 * Where the file of held import `id` is kept. NB: found from the data folder of today, not the
 * held_dir recorded with the import, so a data_dir moved or restored from a backup elsewhere
 * still approves.
 */
export function heldDir(heldRoot: string, id: number): string {
  return join(heldRoot, String(id));
}

/**
 * Keeps the work copy of a file being held as `<heldRoot>/<id>` and returns that folder. Call it
 * inside the transaction that records the hold, before the commit: a crash then leaves either a
 * held import with its file, or no held import and at most a folder that sweepHeldFiles removes,
 * never a held import that cannot be approved because its file was not moved yet.
 */
export function keepHeldFile(work: string, heldRoot: string, id: number): string {
  // NB: the folder returned is recorded as held_dir for whoever reads the database; the code
  // finds the file with heldDir(), under the data_dir of the day.
  const dir = heldDir(heldRoot, id);
  mkdirSync(heldRoot, { recursive: true });
  // NB: a hold that was rolled back may have left a folder under an id SQLite hands out again.
  rmSync(dir, { recursive: true, force: true });
  renameSync(work, dir);
  fsyncDir(heldRoot);
  return dir;
}

/**
 * Removes the folders under `heldRoot` that no held import needs any more: approved, discarded,
 * superseded, or left by a rolled-back hold. Returns how many. Runs with the write lock, so a
 * hold another process (the CLI) is recording cannot lose its folder in between.
 */
export function sweepHeldFiles(storage: { tx: Tx; imports: ImportStore }, heldRoot: string): number {
  if (!existsSync(heldRoot)) return 0;
  return storage.tx(
    () => {
      const held = new Set(storage.imports.heldIds().map(String));
      let removed = 0;
      for (const name of readdirSync(heldRoot)) {
        if (!/^\d+$/.test(name) || held.has(name)) continue;
        rmSync(join(heldRoot, name), { recursive: true, force: true });
        removed++;
      }
      return removed;
    },
    { immediate: true },
  );
}
