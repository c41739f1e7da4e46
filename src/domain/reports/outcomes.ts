import { isAppError } from '../../shared/errors.ts';
import type { IncomingFolder } from '../incoming/folder.ts';
import { parsePhotoName } from '../photos/names.ts';
import type { PhotoService } from '../photos/service.ts';
import type { OutcomeRules } from './upload-reports.ts';

/**
 * A photo is `replaced` when its name was in the folder or its Local ID had a current photo, `waiting for its user` when no
 * user has that Local ID yet (kept, and linked by the roster import that brings it), else `stored`.
 */
export function photoOutcomes(photos: Pick<PhotoService, 'photo' | 'user'>, folder: Pick<IncomingFolder, 'stat'>): OutcomeRules<boolean> {
  return {
    // NB: the folder lists a photo once it is durable, before it becomes current: both count.
    before: (name) => folder.stat(name) !== undefined || photos.photo(parsePhotoName(name).localId) !== null,
    after(name, had) {
      const { localId } = parsePhotoName(name);
      try {
        photos.user(localId);
      } catch (err) {
        if (!(isAppError(err) && err.code === 'not_found')) throw err;
        return { outcome: 'waiting for its user', reason: `no user has Local ID ${localId} yet: the photo is kept and shown once a roster import brings that ID` };
      }
      return had ? { outcome: 'replaced', reason: `the new current photo of ${localId}; the one before stays in its history` } : { outcome: 'stored', reason: '' };
    },
  };
}

/** A roster or devices file is stored, then imported after the quiet period: its result file follows in /reports/. */
export function dataOutcomes(folder: Pick<IncomingFolder, 'stat'>): OutcomeRules<boolean> {
  return {
    before: (name) => folder.stat(name) !== undefined,
    after: (name, had) => ({
      outcome: had ? 'replaced' : 'stored',
      reason: `imported after the quiet period; the result is the newest import-<number>-${name.replace(/\.csv$/i, '')}.txt in /reports/`,
    }),
  };
}
