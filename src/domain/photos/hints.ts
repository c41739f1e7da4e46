import type { PhotoDeps } from './deps.ts';
import { PHOTO_EXTENSIONS } from './names.ts';

/**
 * Near misses for a photo whose Local ID is no user's. Shown to admins, never applied: the exact
 * Local ID is the rule, and a wrong guess would put the wrong face next to a name.
 */
export interface Hint {
  kind: 'case' | 'leading_zeros' | 'spaces' | 'doubled_extension';
  /** The existing Local ID the name may have meant, when there is one. */
  local_id: string | null;
  /** What is off about the name, e.g. "differs only by upper/lower case". */
  why: string;
  message: string;
}

const DOUBLED = /\.(jpe?g|png|gif)$/i;

export function nearMisses(localId: string, users: PhotoDeps['users']): Hint[] {
  const hints: Hint[] = [];
  const seen = new Set<string>();
  const add = (kind: Hint['kind'], id: string | null, why: string) => {
    if (id !== null && seen.has(id)) return;
    if (id !== null) seen.add(id);
    hints.push({ kind, local_id: id, why, message: id === null ? why : `did you mean ${id}? (${why})` });
  };
  for (const id of users.sameIgnoringCase(localId)) add('case', id, 'differs only by upper/lower case');
  for (const id of users.sameIgnoringLeadingZeros(localId)) add('leading_zeros', id, 'differs only by leading zeros');
  const trimmed = localId.trim();
  if (trimmed !== localId) {
    add('spaces', users.exists(trimmed) ? trimmed : null, 'the name has spaces around the Local ID');
  }
  if (DOUBLED.test(localId)) {
    const stem = localId.replace(DOUBLED, '');
    add('doubled_extension', users.exists(stem) ? stem : null, 'the name has its extension twice');
  }
  return hints;
}

/**
 * The names, in any case, that nearMisses could relate to `localId`: with fewer or more leading
 * zeros, with spaces around it, with a photo extension doubled. A lookup list for an admin's view
 * of one person; nearMisses then confirms each.
 */
export function nearMissNames(localId: string): string[] {
  const bare = localId.replace(/^0+/, '');
  const zeros = Array.from({ length: MAX_ZEROS + 1 }, (_, n) => '0'.repeat(n) + bare);
  const spaced = [` ${localId}`, `${localId} `, ` ${localId} `];
  const doubled = PHOTO_EXTENSIONS.map((ext) => localId + ext);
  return [...new Set([localId, ...zeros, ...spaced, ...doubled])];
}

/** Leading zeros Excel and SIS exports add or strip, as far as a lookup tries them. */
const MAX_ZEROS = 8;

/** The one-line reason an admin reads for an unmatched photo. */
export function unmatchedReason(localId: string, hints: Hint[]): string {
  const guess = hints.find((h) => h.local_id !== null);
  const base = `no user has Local ID ${JSON.stringify(localId)}`;
  return guess ? `${base} — did you mean ${guess.local_id}?` : `${base} yet; it is linked when a roster import adds it`;
}
