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

export type ImportStatus = 'applied' | 'held' | 'refused' | 'discarded' | 'skipped';

export interface ImportError {
  line: number;
  local_id: string;
  message: string;
}

/** What an import did (or would do, when held). */
export interface ImportCounts {
  rows: number;
  added: number;
  updated: number;
  unchanged: number;
  deactivated: number;
  reactivated: number;
  /** Rows deliberately not imported, e.g. OneRoster parents and guardians. */
  ignored: number;
  error_count: number;
  /** Photos waiting for a Local ID that this import brought (unmatched → matched). */
  photos_linked: number;
}

export interface IgnoredReason {
  reason: string;
  count: number;
}

/** One entry of the import history, as the CLI and the web API show it. */
export interface ImportRecord extends ImportCounts {
  id: number;
  /** File name as uploaded or given to the CLI. */
  file: string;
  /** The file the users are attributed to (`users.source`); missing users are looked for among these. */
  source: string;
  kind: string;
  origin: string;
  sha256: string;
  bytes: number;
  format: string;
  /** The layout recognised: PowerSchool, Infinite Campus, Skyward, Aeries, Clever, OneRoster, native, `[roster.mapping."F"]`. */
  layout: string;
  /** Each column read, in header order, with the field it filled. */
  columns_used: { column: string; field: string }[];
  /** Each column of the header that was not read. */
  columns_ignored: string[];
  /** Why rows were not imported (`ignored`), with how many each. */
  ignored_reasons: IgnoredReason[];
  encoding: string;
  delimiter: string;
  status: ImportStatus;
  /** Why it was refused, held, discarded or skipped; '' when applied cleanly. */
  reason: string;
  received_at: string;
  decided_at: string | null;
  decided_by: string;
}
