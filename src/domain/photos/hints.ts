import type { PhotoUsers } from '../../storage/photo-users.ts';

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

export function nearMisses(localId: string, users: PhotoUsers): Hint[] {
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
 * The same key for a Local ID and every name nearMisses could relate to it (case, leading
 * zeros, spaces, a doubled extension set aside): a cheap filter before the rules themselves.
 */
export function nearMissKey(localId: string): string {
  return localId.trim().replace(DOUBLED, '').replace(/^0+/, '').toLowerCase();
}

/** The one-line reason an admin reads for an unmatched photo. */
export function unmatchedReason(localId: string, hints: Hint[]): string {
  const guess = hints.find((h) => h.local_id !== null);
  const base = `no user has Local ID ${JSON.stringify(localId)}`;
  return guess ? `${base} — did you mean ${guess.local_id}?` : `${base} yet; it is linked when a roster import adds it`;
}
