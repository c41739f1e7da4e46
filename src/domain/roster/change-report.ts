import { fieldLabel } from './types.ts';
import type { ChangeKind, PersonChange } from './changes.ts';
import { CSV_BOM, csvRow } from '../../shared/csv-cells.ts';

/** People shown per page on the import's page and in the API. */
export const CHANGES_PER_PAGE = 100;

/** One page of the people behind an import's counts, and what the list means for its status. */
export interface ChangePage {
  import_id: number;
  status: string;
  /** True only when the users table was changed as listed (an applied import). */
  applied: boolean;
  /** What the list means: "" when applied, else that nothing changed and what it would have done. */
  note: string;
  kind: ChangeKind | null;
  page: number;
  pages: number;
  per_page: number;
  /** People of `kind` (or of every kind), over all pages. */
  total: number;
  counts: Record<ChangeKind, number>;
  changes: PersonChange[];
}

/** How a held, discarded or refused import's list is to be read. */
export function changeNote(status: string): string {
  if (status === 'applied') return '';
  if (status === 'held') return 'nothing has changed yet: approving applies these changes (against the users as they are then)';
  if (status === 'discarded') return 'nothing changed: the import was discarded; these are the changes it would have made';
  return 'nothing changed';
}

/** "Grade: 05 → 06; Email: (empty) → a@x.org", as the page and the CSV write one person's changes. */
export function describeFields(c: PersonChange): string {
  return c.fields.map((f) => `${fieldLabel(f.field)}: ${f.old || '(empty)'} → ${f.new || '(empty)'}`).join('; ');
}

/**
 * The people as CSV (UTF-8 with BOM so Excel shows accents), one row per person. Cells that
 * a spreadsheet would run as formulas are prefixed with an apostrophe.
 */
export function* changesCsv(changes: Iterable<PersonChange>): Generator<string> {
  yield `${CSV_BOM}${csvRow(['Change', 'Local ID', 'Role', 'Name', 'Grade', 'Building', 'Fields changed'])}\r\n`;
  for (const c of changes) yield `${csvRow([c.kind, c.local_id, c.role, c.name, c.grade, c.building, describeFields(c)])}\r\n`;
}
