import { isAppError, type AppErrorCode } from '../../shared/errors.ts';
import { wrapFolder, type IncomingFolder } from '../incoming/folder.ts';
import type { UploadFolder } from './metrics.ts';

/** Told of every upload that reached a folder: accepted, or refused with a short reason word. */
export type UploadObserver = (folder: UploadFolder, outcome: 'accepted' | 'refused', reason?: string) => void;

/** Refusal words for the AppError codes the SFTP layer and the folders refuse with. */
const BY_CODE: Partial<Record<AppErrorCode, string>> = { invalid: 'name', too_large: 'too_large', unavailable: 'unavailable', forbidden: 'forbidden' };

/**
 * `folder` as the SFTP edge uses it, telling `observe` the outcome of each upload: a commit that
 * resolves is accepted, one that throws is refused, and so is a refusal before the commit (a name
 * refused at OPEN, a size limit during WRITE). Nothing else changes.
 * NB: a photo is counted when it is acknowledged; one whose pixels turn out undecodable while its
 * display images render is in the admin's refused list, not counted again here.
 */
export function observeFolder(folder: IncomingFolder, name: UploadFolder, observe: UploadObserver): IncomingFolder {
  return wrapFolder(folder, {
    async commit(req) {
      try {
        await folder.commit(req);
      } catch (err) {
        observe(name, 'refused', refusalReason(err));
        throw err;
      }
      observe(name, 'accepted');
    },
    recordRefusal(refusal) {
      observe(name, 'refused', (refusal.code && BY_CODE[refusal.code]) || 'other');
      folder.recordRefusal?.(refusal);
    },
  });
}

/** The kind of refusal an error stands for: the photo store's own word, else one for its code. */
function refusalReason(err: unknown): string {
  if (!isAppError(err)) return 'other';
  const kind = err.details?.refusal;
  if (typeof kind === 'string') return kind;
  return BY_CODE[err.code] ?? 'other';
}
