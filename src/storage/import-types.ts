/**
 * The import history's shapes (migration 003-imports), shared by the store that writes them and
 * the importers that fill them in. Here, not in the domain, because storage imports no domain.
 */
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
