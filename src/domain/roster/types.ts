/**
 * The shapes roster import works with. A roster "kind" decides the role of the people in a
 * file and whether a full export deactivates the missing ones (`roster.deactivate_missing`).
 */
export type RosterKind = 'students' | 'staff' | 'oneroster';
export type Role = 'student' | 'staff';

/** The user columns a roster file can fill (the `users` table, minus bookkeeping). */
export const USER_FIELDS = [
  'local_id',
  'first_name',
  'last_name',
  'middle_name',
  'grade',
  'building',
  'email',
  'username',
  'position',
  /** FERPA directory opt-out: '1' withholds the photo, '0' does not (normalised from yes/no, Y/N, …). */
  'opt_out',
] as const;
export type UserField = (typeof USER_FIELDS)[number];

/** Labels used in messages, so an admin reads "First Name", not "first_name". */
export const FIELD_LABELS: Record<UserField | 'role' | 'active', string> = {
  local_id: 'Local ID',
  first_name: 'First Name',
  last_name: 'Last Name',
  middle_name: 'Middle Name',
  grade: 'Grade',
  building: 'Building',
  email: 'Email',
  username: 'Username',
  position: 'Position',
  opt_out: 'Photo Opt Out',
  role: 'Role',
  active: 'Active',
};

/** "Email" for `email`: how a field of an import report reads for a person. */
export function fieldLabel(field: string): string {
  return (FIELD_LABELS as Record<string, string>)[field] ?? field;
}

/** One valid row of a roster file, ready to compare with the database. */
export interface RosterRow {
  line: number;
  local_id: string;
  role: Role;
  active: boolean;
  /** Indexed like USER_FIELDS; undefined where the file has no such column (the stored value stays). */
  values: (string | undefined)[];
}

export type { ImportStatus, ImportError, ImportCounts, ImportRecord, IgnoredReason } from '../../storage/import-types.ts';
