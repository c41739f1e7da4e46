import { AppError } from '../../shared/errors.ts';
import type { UserRow } from '../../storage/user-row.ts';
import type { UserStore } from '../../storage/user-store.ts';
import { cleanScan } from './scan.ts';
import { nearMisses } from '../photos/hints.ts';

/** What check-out and incidents need to know of a user (the roster owns the table). */
export type PersonRow = Pick<UserRow, 'local_id' | 'first_name' | 'last_name' | 'middle_name' | 'role' | 'grade' | 'building' | 'email' | 'active' | 'opt_out'>;

export function fullName(p: Pick<PersonRow, 'first_name' | 'last_name'>): string {
  return `${p.first_name} ${p.last_name}`.trim();
}

/**
 * Finds the user someone typed or scanned: a Local ID (exact, case-sensitive, the photo
 * rule), a card barcode (the Local ID as printed, after scanner noise is removed), or an email.
 * Inactive users are found too; callers that need an active one say so.
 */
export function findPerson(users: UserStore, raw: string): PersonRow {
  const scan = cleanScan(raw);
  if (scan === '') throw new AppError('invalid', 'Enter or scan a Local ID, card barcode or email.');
  const byId = users.byLocalId(scan);
  if (byId) return byId;
  if (scan.includes('@')) {
    const matches = users.byEmail(scan);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new AppError(
        'conflict',
        `${matches.length} users share the email ${scan} (${matches.map((m) => m.local_id).join(', ')}): scan the card or enter the Local ID instead.`,
      );
    }
  }
  // The photos page's near misses (case, leading zeros, spaces): offered, never applied.
  const suggestions = nearMisses(scan, users).filter((h) => h.local_id !== null).map((h) => ({ local_id: h.local_id!, why: h.why }));
  const hint = suggestions.length ? ` Did you mean ${suggestions.map((s) => s.local_id).join(' or ')}?` : '';
  throw new AppError('not_found', `No user has the Local ID or email "${scan}". Local IDs are case-sensitive; check the card or search for the person.${hint}`, { suggestions });
}

/** The user a device may go to: known and active. */
export function requireActivePerson(person: PersonRow): PersonRow {
  if (!person.active) {
    throw new AppError(
      'conflict',
      `${fullName(person)} (${person.local_id}) is inactive: no longer in the roster, so no device can be checked out to them.`,
    );
  }
  return person;
}
