import { bindDb } from './bind.ts';
import type { Db } from './db.ts';
import type { ImportError, ImportRecord, ImportStatus } from './import-types.ts';

/** Stored per import at most; the count stays exact (a file that bad is refused anyway). */
export const MAX_STORED_ERRORS = 10_000;

export type NewImport = Pick<ImportRecord, 'file' | 'source' | 'kind' | 'origin' | 'sha256' | 'bytes' | 'status' | 'received_at'> &
  Partial<ImportRecord>;

/**
 * `in_progress` is stored as the in_progress flag beside a status the column's CHECK accepts
 * (migration 019): the row holds no decision until it is updated with one.
 */
const UNDECIDED = 'refused';
const stored = (status: ImportStatus) => (status === 'in_progress' ? { status: UNDECIDED, in_progress: 1 } : { status, in_progress: 0 });

export function insertImport(db: Db, rec: NewImport): number {
  const { status, in_progress } = stored(rec.status);
  return db.run(
    `INSERT INTO imports (file, source, kind, origin, sha256, bytes, status, in_progress, reason, received_at, decided_at, decided_by)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    rec.file, rec.source, rec.kind, rec.origin, rec.sha256, rec.bytes, status, in_progress, rec.reason ?? '', rec.received_at,
    rec.decided_at ?? null, rec.decided_by ?? '',
  ).lastInsertRowid;
}

const UPDATABLE = [
  'format', 'encoding', 'delimiter', 'status', 'reason', 'rows', 'added', 'updated', 'unchanged', 'deactivated',
  'reactivated', 'ignored', 'error_count', 'photos_linked', 'opted_out', 'held_dir', 'decided_at', 'decided_by', 'sha256', 'bytes',
  'layout', 'columns_used', 'columns_ignored', 'ignored_reasons',
] as const;
export type ImportUpdate = Partial<Pick<ImportRow, (typeof UPDATABLE)[number]>>;

export function updateImport(db: Db, id: number, changes: ImportUpdate): void {
  const keys = UPDATABLE.filter((k) => changes[k] !== undefined);
  if (!keys.length) return;
  const value = (k: (typeof UPDATABLE)[number]) => {
    const v = changes[k];
    if (k === 'status') return stored(v as ImportStatus).status;
    return Array.isArray(v) ? JSON.stringify(v) : (v as string | number | null);
  };
  const sets = keys.map((k) => `${k} = ?`);
  const values = keys.map(value);
  if (changes.status !== undefined) {
    sets.push('in_progress = ?');
    values.push(stored(changes.status).in_progress);
  }
  db.run(`UPDATE imports SET ${sets.join(', ')} WHERE id = ?`, ...values, id);
}

/** Replaces the error lines of an import (an approved import is parsed again). */
export function replaceErrors(db: Db, id: number, errors: readonly ImportError[]): void {
  db.run('DELETE FROM import_errors WHERE import_id = ?', id);
  const n = Math.min(errors.length, MAX_STORED_ERRORS);
  for (let i = 0; i < n; i++) {
    const e = errors[i]!;
    db.run('INSERT INTO import_errors (import_id, line, local_id, message) VALUES (?, ?, ?, ?)', id, e.line, e.local_id, e.message);
  }
}

export interface ImportRow extends ImportRecord {
  held_dir: string;
}

type StoredRow = Omit<ImportRow, 'columns_used' | 'columns_ignored' | 'ignored_reasons'> & { columns_used: string; columns_ignored: string; ignored_reasons: string; listed?: number; in_progress?: number };

/** The column lists are stored as JSON text (migration 011). */
function fromStored(row: StoredRow): ImportRow;
function fromStored(row: StoredRow | undefined): ImportRow | undefined;
function fromStored(row: StoredRow | undefined): ImportRow | undefined {
  if (!row) return undefined;
  // NB: `listed` is the change list's bookkeeping (import-change-store), not part of the record.
  const { listed: _listed, in_progress, ...rest } = row;
  return {
    ...rest,
    status: in_progress ? 'in_progress' : rest.status,
    columns_used: JSON.parse(row.columns_used || '[]'),
    columns_ignored: JSON.parse(row.columns_ignored || '[]'),
    ignored_reasons: JSON.parse(row.ignored_reasons || '[]'),
  };
}

export function getImportRow(db: Db, id: number): ImportRow | undefined {
  return fromStored(db.get<StoredRow>('SELECT * FROM imports WHERE id = ?', id));
}

export function listImportRows(db: Db, limit: number, beforeId?: number): ImportRow[] {
  const rows = beforeId === undefined
    ? db.all<StoredRow>('SELECT * FROM imports ORDER BY id DESC LIMIT ?', limit)
    : db.all<StoredRow>('SELECT * FROM imports WHERE id < ? ORDER BY id DESC LIMIT ?', beforeId, limit);
  return rows.map((r) => fromStored(r));
}

export function listErrors(db: Db, id: number, limit = MAX_STORED_ERRORS): ImportError[] {
  return db.all<ImportError>('SELECT line, local_id, message FROM import_errors WHERE import_id = ? ORDER BY line, rowid LIMIT ?', id, limit);
}

/** The newest import of a source that is not refused: what "the same file again" compares with. */
export function latestOfSource(db: Db, source: string, statuses: readonly ImportStatus[]): ImportRow | undefined {
  return fromStored(db.get<StoredRow>(
    `SELECT * FROM imports WHERE source = ? AND status IN (${statuses.map(() => '?').join(', ')}) ORDER BY id DESC LIMIT 1`,
    source, ...statuses,
  ));
}

export function heldOfSource(db: Db, source: string): ImportRow[] {
  return db.all<StoredRow>("SELECT * FROM imports WHERE source = ? AND status = 'held' ORDER BY id", source).map((r) => fromStored(r));
}

/** The newest import that read a file of this name (uploads refused before arrival have no content). */
export function latestOfFile(db: Db, file: string): ImportRow | undefined {
  return fromStored(db.get<StoredRow>("SELECT * FROM imports WHERE file = ? AND sha256 <> '' ORDER BY id DESC LIMIT 1", file));
}

/** The ids of the held imports (which held-file folders are still needed). */
export function heldIds(db: Db): number[] {
  return db.all<{ id: number }>("SELECT id FROM imports WHERE status = 'held'").map((r) => r.id);
}

/**
 * Deletes the imports in progress that no accepted apply stands behind: a crash cut them off
 * before they were decided, so nothing else changed; returns their ids. Their error lines and
 * lists go with them (ON DELETE CASCADE).
 */
export function dropCutOff(db: Db): number[] {
  const ids = db.all<{ id: number }>('SELECT id FROM imports WHERE in_progress = 1 AND id NOT IN (SELECT import_id FROM roster_applies)').map((r) => r.id);
  for (const id of ids) db.run('DELETE FROM imports WHERE id = ?', id);
  return ids;
}

/** Deletes one import with its error lines and list (an import cut off before its decision). */
export function deleteImport(db: Db, id: number): void {
  db.run('DELETE FROM imports WHERE id = ?', id);
}

/** The import history (imports and import_errors), for the roster and devices importers. */
export function createImportStore(db: Db) {
  return bindDb(db, { insertImport, updateImport, replaceErrors, getImportRow, listImportRows, listErrors, latestOfSource, heldOfSource, latestOfFile, heldIds, dropCutOff, deleteImport });
}

export type ImportStore = ReturnType<typeof createImportStore>;
