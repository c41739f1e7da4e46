import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import type { Db } from '../../storage/db.ts';
import { updateImport, type ImportRow, type ImportUpdate } from '../../storage/roster-import-store.ts';

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
export function decideImport(db: Db, id: number, changes: ImportUpdate, actor: string): void {
  updateImport(db, id, { ...changes, decided_at: new Date().toISOString(), decided_by: actor });
}

/**
 * The file a held import kept, to apply it on approval. When it is gone the import is refused
 * (recorded) and AppError('conflict') thrown: the admin uploads the file again.
 */
export function heldFileOrRefuse(db: Db, row: ImportRow, actor: string): string {
  const path = join(row.held_dir, row.file);
  if (existsSync(path)) return path;
  decideImport(db, row.id, { status: 'refused', reason: 'the held file is gone from the data folder; upload it again' }, actor);
  throw new AppError('conflict', `import ${row.id}: the held file is gone; upload it again`);
}
