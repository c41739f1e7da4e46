/**
 * The import history's shapes (migration 003-imports), shared by the store that writes them and
 * the importers that fill them in. Here, not in the domain, because storage imports no domain.
 */
/** `in_progress`: being compared, listed or applied; every other status is a decision. */
export type ImportStatus = 'applied' | 'held' | 'refused' | 'discarded' | 'skipped' | 'in_progress';

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
  /** The layout recognised: PowerSchool, Infinite Campus, Skyward, Aeries, Clever, OneRoster, native, `[roster.mapping."F"]` (migration 011). */
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

/** Who an import changes, and how (migration 011, import_changes). */
export const CHANGE_KINDS = ['added', 'changed', 'deactivated', 'reactivated'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface FieldChange {
  field: string;
  old: string;
  new: string;
}

/** One person an import adds, changes, deactivates or reactivates, with what it changes. */
export interface PersonChange {
  kind: ChangeKind;
  local_id: string;
  role: string;
  name: string;
  grade: string;
  building: string;
  /** Field by field, old → new (the `active` flag is the kind, not a field). */
  fields: FieldChange[];
}

