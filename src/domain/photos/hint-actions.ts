import { extname } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import type { PhotoDeps } from './deps.ts';
import { removeFile } from './history.ts';
import { nearMisses } from './hints.ts';
import type { IngestRequest, IngestResult } from './ingest.ts';

/**
 * An unmatched photo and one of its near-miss hints, checked: the file is still unmatched and
 * the Local ID is still a hint for it (the roster may have changed since the page was shown).
 * Throws AppError('not_found' | 'conflict').
 */
function checkedHint(d: PhotoDeps, fileName: string, localId: string): { sha: string; from: string } {
  const file = d.store.file(fileName);
  const listed = d.store.listedFile(fileName);
  if (!file || !listed) throw new AppError('not_found', `there is no photo named ${fileName}`);
  if (d.users.exists(file.local_id)) throw new AppError('conflict', `${fileName} already belongs to a user: there is nothing to apply`);
  if (!nearMisses(file.local_id, d.users).some((h) => h.local_id === localId)) {
    throw new AppError('conflict', `${localId} is not a near miss of ${fileName} (any more): reload the photos page`);
  }
  return { sha: listed.source_sha256, from: file.local_id };
}

/**
 * Applies a hint: the unmatched upload becomes the photo of `localId` (ingested again under
 * `<localId><ext>`, so the person's earlier photos stay in their history) and the unmatched
 * file is taken out of the folder (its version history stays too). The exact-name rule still
 * holds for uploads: only an admin, one photo at a time, applies a guess.
 */
export async function applyHint(
  d: PhotoDeps,
  ingest: (req: IngestRequest) => Promise<IngestResult>,
  fileName: string,
  localId: string,
  account: string,
): Promise<IngestResult> {
  const { sha } = checkedHint(d, fileName, localId);
  const tempPath = await d.files.copyToTemp(d.files.sourcePath(sha));
  const result = await ingest({ tempPath, name: `${localId}${extname(fileName).toLowerCase()}`, account, origin: 'cli' });
  removeFile(d, fileName, account);
  d.log.info({ file: fileName, local_id: localId, account }, `near-miss hint applied: ${fileName} is now the photo of ${localId}`);
  return result;
}

/** Dismisses a hint: not offered again for this photo (this file name and content). */
export function dismissHint(d: PhotoDeps, fileName: string, localId: string, account: string): void {
  const { sha } = checkedHint(d, fileName, localId);
  d.dismissals.dismissHint(fileName, sha, localId, account, new Date().toISOString());
  d.log.info({ file: fileName, local_id: localId, account }, `near-miss hint dismissed: ${fileName} is not ${localId}`);
}
