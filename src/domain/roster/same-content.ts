import type { Tx } from '../../storage/index.ts';
import type { ImportStore, NewImport } from '../../storage/roster-import-store.ts';

/**
 * "The same content uploaded again is a no-op" (nightly jobs resend unchanged exports). When
 * `base.sha256` equals the newest applied or held import of the same source, records the upload
 * without parsing or touching users and returns its id; otherwise returns undefined.
 * - Same as an applied import: status `applied` with nothing added, updated or deactivated; every
 *   valid row counted unchanged and the same error lines as before (the file is identical).
 * - Same as a held import: status `skipped`, so that one export is not held twice.
 * NB: devices rely on this too — re-applying an unchanged devices.csv would undo the desk's
 * check-ins since that export.
 */
export function recordSameContent({ tx, imports }: { tx: Tx; imports: ImportStore }, base: Omit<NewImport, 'status'>): number | undefined {
  const same = imports.latestOfSource(base.source, ['applied', 'held']);
  if (!same || same.sha256 !== base.sha256) return undefined;
  if (same.status === 'held') {
    return imports.insertImport({ ...base, status: 'skipped', reason: `same content as import ${same.id}, which is held awaiting approval` });
  }
  return tx(() => {
    const id = imports.insertImport({ ...base, status: 'applied', reason: `same content as import ${same.id}: nothing changed`, decided_at: new Date().toISOString() });
    imports.updateImport(id, {
      format: same.format,
      layout: same.layout,
      columns_used: same.columns_used,
      columns_ignored: same.columns_ignored,
      ignored_reasons: same.ignored_reasons,
      encoding: same.encoding,
      delimiter: same.delimiter,
      rows: same.rows,
      added: 0,
      updated: 0,
      deactivated: 0,
      reactivated: 0,
      ignored: same.ignored,
      unchanged: same.rows - same.ignored - same.error_count,
      error_count: same.error_count,
      photos_linked: 0,
      opted_out: same.opted_out,
    });
    imports.replaceErrors(id, imports.listErrors(same.id));
    return id;
  });
}
