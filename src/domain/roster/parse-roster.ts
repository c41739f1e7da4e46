import { AppError } from '../../shared/errors.ts';
import { inspectCsv, readCsv, type CsvFile } from './csv-reader.ts';
import type { FileFacts } from './decode.ts';
import { detectLayout, type ColumnMapping, type Layout } from './layout.ts';
import { readCompanions, type OneRosterCompanions } from './oneroster.ts';
import { quote, roleFromText, toRow, type RoleOf, type RowRules } from './rows.ts';
import type { IgnoredReason, ImportError, Role, RosterKind } from './types.ts';
import { packRow, unpackRow, type PackedRow } from './packed-row.ts';
import { PLAIN, readActive } from './value-maps.ts';
import { USER_FIELDS } from './types.ts';
import type { StagedRow, Staging } from '../../storage/roster-staging.ts';
import { yieldToIo } from '../../shared/yield-to-io.ts';

export interface ParseOptions {
  kind: RosterKind;
  /** Name the file is known by (for messages and the mapping look-up). */
  file: string;
  mapping?: ColumnMapping;
  cleverStudentId: string;
  cleverTeacherId: string;
  /** Defaults to `identifier`. */
  oneRosterLocalId?: 'identifier' | 'username' | 'sourcedId';
  /** Path of a file that travelled with this one (OneRoster manifest/roles/orgs), or undefined. */
  companion(name: string): string | undefined;
  /** Defaults to MAX_ROWS. */
  maxRows?: number;
}

/** Other lines named in one duplicate-ID error. */
const DUPLICATE_LINES_SHOWN = 5;

/**
 * Data rows one file may have. Valid rows are staged on disk (roster-staging.ts), so memory does
 * not grow with them; the bound keeps one import's disk and time in proportion (the largest
 * districts have a few hundred thousand people).
 */
export const MAX_ROWS = 500_000;

/** Error lines kept per file; the count stays exact (a file that bad is refused anyway). */
export const MAX_ERRORS_KEPT = 10_000;

/** A file read through: its facts, its layout, its valid rows (staged) and the lines that cannot be imported. */
export interface ParsedRoster {
  csv: CsvFile;
  layout: Layout;
  format: string;
  /** Valid rows staged (IDs on several lines are left out: they are errors). */
  validRows: number;
  /** One valid row (every row of a file has the same columns), or undefined when none is. */
  sample: PackedRow | undefined;
  /** Valid rows that mark a person opted out of directory photos. */
  optedOut: number;
  /** The first MAX_ERRORS_KEPT error lines, by line. */
  errors: ImportError[];
  /** Every error line, kept or not. */
  errorCount: number;
  /** Non-empty data rows, the base of the error share. */
  dataRows: number;
  ignored: number;
  /** Why rows were ignored, with a count each, most frequent first. */
  ignoredReasons: IgnoredReason[];
  /** False for a OneRoster delta export: it does not list everyone, so nobody is missing from it. */
  fullExport: boolean;
}

/** Raised for a file refused whole; carries what was learnt before the refusal. */
export class RefusedFile extends AppError {
  constructor(
    message: string,
    readonly csv?: CsvFile,
    readonly format = '',
    /** The layout, when the header row was read before the refusal. */
    readonly layout?: Layout,
  ) {
    super('invalid', message);
  }
}

/** Valid rows staged per transaction: a few milliseconds of work between two turns of the event loop. */
const STAGE_BATCH = 500;
const OPT_OUT = USER_FIELDS.indexOf('opt_out');

/**
 * Streams a roster file, validates every row and stages the valid ones in `staging`. Rows with
 * errors are left out and reported with their line; duplicate Local IDs are reported on every
 * line they occur and none of those lines is imported. Throws RefusedFile when the file is
 * structurally broken.
 */
export async function parseRosterFile(path: string, opts: ParseOptions, staging: Staging, facts?: FileFacts): Promise<ParsedRoster> {
  let csv: CsvFile;
  try {
    csv = await inspectCsv(path, facts);
  } catch (err) {
    if (err instanceof AppError) throw new RefusedFile(err.message);
    throw err;
  }
  let companions: OneRosterCompanions | undefined;
  if (opts.kind === 'oneroster') {
    try {
      companions = await readCompanions(opts.companion);
    } catch (err) {
      if (err instanceof AppError) throw new RefusedFile(err.message, csv);
      throw err;
    }
    if (companions.usersMode === 'absent') throw new RefusedFile('manifest.csv says file.users is "absent": there are no users to import', csv);
  }

  let layout: Layout | undefined;
  let rules: RowRules | undefined;
  let layoutError: unknown;
  let batch: StagedRow[] = [];
  let validRows = 0;
  let optedOut = 0;
  let sample: PackedRow | undefined;
  const stage = () => {
    for (const undone of staging.add(batch)) {
      validRows--;
      if (unpackRow(undone).values[OPT_OUT] === '1') optedOut--;
    }
    batch = [];
  };
  const errors: ImportError[] = [];
  const maxRows = opts.maxRows ?? MAX_ROWS;
  let dataRows = 0;
  let errorCount = 0;
  let ignored = 0;
  const ignoredWhy = new Map<string, number>();

  const take = (fields: string[], line: number) => {
    if (fields.every((v) => v.trim() === '')) return;
    if (++dataRows > maxRows) {
      throw new AppError('invalid', `the file has more than ${maxRows.toLocaleString('en-US')} data rows, more than one import takes: split the export (e.g. by building)`);
    }
    const result = toRow(fields, line, rules!);
    if ('ignored' in result) {
      ignored++;
      ignoredWhy.set(result.ignored, (ignoredWhy.get(result.ignored) ?? 0) + 1);
      return;
    }
    if ('error' in result) {
      if (++errorCount <= MAX_ERRORS_KEPT) errors.push({ line, local_id: result.local_id, message: result.error });
      return;
    }
    const packed = packRow(result.row);
    sample ??= packed;
    validRows++;
    if (result.row.values[OPT_OUT] === '1') optedOut++;
    batch.push({ local_id: result.row.local_id, line, packed });
    if (batch.length >= STAGE_BATCH) stage();
  };

  try {
    await readCsv(csv, path, (fields, line) => {
      if (layoutError) return;
      if (!layout) {
        try {
          layout = detectLayout(fields, opts);
          rules = rowRules(layout, opts, companions);
        } catch (err) {
          layoutError = err;
          return;
        }
        if (layout.hasHeader) return;
      }
      take(fields, line);
    });
  } catch (err) {
    if (err instanceof AppError) throw new RefusedFile(err.message, csv, layout?.format, layout);
    throw err;
  }
  if (layoutError) {
    if (layoutError instanceof AppError) throw new RefusedFile(layoutError.message, csv);
    throw layoutError;
  }
  if (!layout) throw new RefusedFile('the file has no rows at all (only empty lines)', csv);
  if (dataRows === 0) throw new RefusedFile('the file has a header row but no data rows: the export produced nobody', csv, layout.format, layout);

  stage();
  const reportDuplicate = (id: string, lines: number[]) => {
    // NB: at most a few other lines per message: listing them all is quadratic, and a file
    // with one ID on 100,000 lines took the appliance down (found by the hostile corpus).
    for (const line of lines) {
      if (++errorCount > MAX_ERRORS_KEPT * 2) continue;
      const others = lines.slice(0, DUPLICATE_LINES_SHOWN + 1).filter((l) => l !== line).slice(0, DUPLICATE_LINES_SHOWN);
      const more = lines.length - 1 - others.length;
      errors.push({ line, local_id: id, message: `Local ID "${id}" is also on line ${others.join(', ')}${more ? ` and ${more} more` : ''}: none of these lines was imported; keep one` });
    }
  };
  // The duplicated IDs, a page at a time (their lines come by ID, then line).
  let after = { local_id: '', line: -1 };
  let current: { id: string; lines: number[] } | undefined;
  for (;;) {
    const page = staging.duplicateLines(after, STAGE_BATCH);
    const ids = new Set<string>();
    for (const d of page) {
      if (current?.id !== d.local_id) {
        if (current) reportDuplicate(current.id, current.lines);
        current = { id: d.local_id, lines: [] };
      }
      current.lines.push(d.line);
      ids.add(d.local_id);
    }
    staging.dropDuplicates([...ids]);
    if (page.length < STAGE_BATCH) break;
    after = page[page.length - 1]!;
    await yieldToIo();
  }
  if (current) reportDuplicate(current.id, current.lines);
  errors.sort((a, b) => a.line - b.line);
  if (errors.length > MAX_ERRORS_KEPT) errors.length = MAX_ERRORS_KEPT;
  // manifest.csv states the version; without it the columns tell.
  const format = companions?.version && layout.format.startsWith('OneRoster') ? `OneRoster ${companions.version} users` : layout.format;
  const ignoredReasons = [...ignoredWhy].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count);
  return { csv, layout, format, validRows, sample, optedOut, errors, errorCount, dataRows, ignored, ignoredReasons, fullExport: companions?.usersMode !== 'delta' };
}

function rowRules(layout: Layout, opts: ParseOptions, companions: OneRosterCompanions | undefined): RowRules {
  const cols = layout.columns;
  let roleOf: RoleOf;
  if (cols.role !== undefined) {
    const at = cols.role;
    roleOf = (fields) => roleFromText(fields[at] ?? '');
  } else if (opts.kind === 'oneroster') {
    const roles = companions?.roles;
    const sid = cols.sourced_id;
    if (!roles || sid === undefined) {
      throw new AppError('invalid', 'users.csv has no role column (OneRoster 1.2): upload roles.csv with it so students and staff can be told apart');
    }
    roleOf = (fields) => {
      const role = roles.get((fields[sid] ?? '').trim());
      return role ? roleFromText(role) : { error: `no role for sourcedId ${quote((fields[sid] ?? '').trim())} in roles.csv` };
    };
  } else {
    const fixed: Role = (opts.mapping?.kind ?? opts.kind) === 'staff' ? 'staff' : 'student';
    roleOf = () => fixed;
  }
  const orgs = companions?.orgs;
  const building = cols.org !== undefined ? (value: string) => {
    const first = value.split(',')[0]!.trim();
    return orgs?.get(first) ?? first;
  } : undefined;
  const layoutWithBuilding: Layout = cols.org !== undefined ? { ...layout, columns: { ...cols, building: cols.org } } : layout;
  const map = layout.activeMap ?? PLAIN;
  const column = layout.used.find((u) => u.field === 'active')?.column ?? 'Active';
  const activeOf = (text: string) => readActive(text, map, column, opts.file);
  const staffWithoutId = opts.kind === 'oneroster'
    ? `staff-type rows (teacher, aide, proctor, …) with an empty ${opts.oneRosterLocalId ?? 'identifier'}: without a Local ID they cannot match a photo`
    : undefined;
  return { layout: layoutWithBuilding, roleOf, building, activeOf, staffWithoutId };
}
