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
  /** Rows of the file that mark a person opted out of directory photos. */
  opted_out: number;
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
  encoding: string;
  delimiter: string;
  status: ImportStatus;
  /** Why it was refused, held, discarded or skipped; '' when applied cleanly. */
  reason: string;
  received_at: string;
  decided_at: string | null;
  decided_by: string;
}
