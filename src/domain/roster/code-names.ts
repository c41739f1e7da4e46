import type { Logger } from '../../shared/logger.ts';
import { AppError } from '../../shared/errors.ts';
import type { Storage } from '../../storage/index.ts';
import { inspectCsv, readCsv } from './csv-reader.ts';
import { readFileFacts, type FileFacts } from './decode.ts';
import { normalizeHeader } from './layout.ts';
import type { ImportError } from './types.ts';

/** How a page turns the codes an SIS exports into the names people use. */
export interface NameBook {
  /** `101` → `Lincoln Elementary`; the code itself when no name is known. */
  building(code: string): string;
  /** `0` → `K`; the code itself when no name is known. */
  grade(code: string): string;
}

/** The codes SIS exports use for the grades before first (PowerSchool, Infinite Campus, Skyward, Aeries, Clever, OneRoster). */
export const DEFAULT_GRADES: Readonly<Record<string, string>> = {
  '-2': 'PK3',
  '-1': 'PK',
  '0': 'K',
  '00': 'K',
  KG: 'K',
  PK: 'PK',
  TK: 'TK',
  IT: 'Infant/toddler',
  PR: 'Preschool',
  PS: 'Preschool',
};

/** The file names that give building names, and the kind they are recorded under. */
export const SCHOOL_FILES = ['schools.csv', 'orgs.csv'] as const;
export const SCHOOLS_KIND = 'schools';

/** Rows a schools.csv or orgs.csv may have: a district has tens of schools, a state a few thousand. */
export const MAX_SCHOOL_ROWS = 10_000;

const CODE_COLUMNS = ['schoolnumber', 'schoolid', 'schoolcode', 'buildingcode', 'buildingid', 'buildingnumber', 'code', 'number', 'id'];
const NAME_COLUMNS = ['schoolname', 'buildingname', 'name'];
/** Refreshed at least this often, so a name another process stored shows up. */
const CACHE_MS = 30_000;

export interface CodeNamesOptions {
  storage: Pick<Storage, 'tx' | 'imports' | 'schoolNames'>;
  /** `[roster.buildings]`: win over uploaded names. */
  buildings: Record<string, string>;
  /** `[roster.grades]`: added to and over DEFAULT_GRADES. */
  grades: Record<string, string>;
  log: Logger;
}

/**
 * Names for building and grade codes: from appliance.toml, else from the last schools.csv or
 * orgs.csv uploaded. Only what pages show changes; users keep their codes, so a search or a
 * filter by code still finds them.
 */
export class CodeNames implements NameBook {
  private readonly grades: Record<string, string>;
  private uploaded: { at: number; names: Map<string, string> } | undefined;

  constructor(private readonly opts: CodeNamesOptions) {
    this.grades = { ...DEFAULT_GRADES, ...opts.grades };
  }

  building(code: string): string {
    if (!code) return '';
    return this.opts.buildings[code] ?? this.uploadedNames().get(code) ?? code;
  }

  grade(code: string): string {
    if (!code) return '';
    return this.grades[code] ?? code;
  }

  /**
   * Reads a schools.csv (a code and a name column) or a OneRoster orgs.csv (identifier and
   * sourcedId both name the school) and replaces the names that came from that file. Recorded
   * in the import history like a roster; a file without the columns is refused, changing nothing.
   */
  async importFile(job: { path: string; name: string; origin: string }): Promise<number> {
    const received = new Date().toISOString();
    const base = { file: job.name, source: job.name, kind: SCHOOLS_KIND, origin: job.origin, received_at: received };
    let read: Awaited<ReturnType<typeof readNames>>;
    // NB: the content's hash is recorded even for a refusal, so the start-up catch-up does not
    // import (and refuse) the same file again at every start.
    const facts = await readFileFacts(job.path);
    try {
      read = await readNames(job.path, job.name, facts);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const id = this.opts.storage.imports.insertImport({ ...base, sha256: facts.sha256, bytes: facts.bytes, status: 'refused', reason: err.message, decided_at: received });
      this.opts.log.warn({ import: id, file: job.name, reason: err.message }, `import ${id} (${job.name}) refused: ${err.message}`);
      return id;
    }
    const { tx, imports, schoolNames } = this.opts.storage;
    const id = tx(() => {
      const id = imports.insertImport({ ...base, sha256: read.sha256, bytes: read.bytes, status: 'applied', decided_at: new Date().toISOString() });
      const counts = schoolNames.replaceSchoolNames(job.name, read.names);
      imports.replaceErrors(id, read.errors);
      imports.updateImport(id, {
        format: job.name === 'orgs.csv' ? 'OneRoster orgs' : 'school names',
        layout: job.name === 'orgs.csv' ? 'OneRoster' : 'native',
        encoding: read.encoding,
        delimiter: read.delimiter,
        rows: read.rows,
        added: counts.added,
        updated: counts.updated,
        unchanged: counts.unchanged,
        error_count: read.errors.length,
        columns_used: read.used,
        columns_ignored: read.ignored,
      });
      return id;
    });
    this.uploaded = undefined;
    this.opts.log.info({ import: id, file: job.name, names: read.names.size }, `import ${id} (${job.name}) applied: ${read.names.size} building names`);
    return id;
  }

  private uploadedNames(): Map<string, string> {
    const now = Date.now();
    if (!this.uploaded || now - this.uploaded.at > CACHE_MS) this.uploaded = { at: now, names: this.opts.storage.schoolNames.allSchoolNames() };
    return this.uploaded.names;
  }
}

async function readNames(path: string, file: string, facts: FileFacts) {
  const csv = await inspectCsv(path, facts);
  let header: string[] | undefined;
  let raw: string[] = [];
  let codes: number[] = [];
  let nameAt = -1;
  const names = new Map<string, string>();
  const errors: ImportError[] = [];
  let rows = 0;
  await readCsv(csv, path, (fields, line) => {
    if (!header) {
      raw = fields.map((f) => f.replace(/^\uFEFF/, '').trim());
      header = raw.map(normalizeHeader);
      const orgs = header.includes('sourcedid') && header.includes('name');
      codes = orgs ? ['identifier', 'sourcedid'].map((c) => header!.indexOf(c)).filter((i) => i >= 0) : firstOf(header, CODE_COLUMNS);
      nameAt = firstOf(header, NAME_COLUMNS)[0] ?? -1;
      if (!codes.length || nameAt < 0) {
        throw new AppError('invalid', `${file} needs a column with the building code (School Number, School ID, School Code, Building Code, Code, ID) and one with its name (School Name, Building Name, Name); the header row has: ${raw.slice(0, 12).join(', ')}`);
      }
      return;
    }
    if (fields.every((f) => f.trim() === '')) return;
    if (++rows > MAX_SCHOOL_ROWS) throw new AppError('invalid', `${file} has more than ${MAX_SCHOOL_ROWS.toLocaleString('en-US')} rows; a list of schools is never that long`);
    const name = (fields[nameAt] ?? '').trim();
    const ids = codes.map((i) => (fields[i] ?? '').trim()).filter(Boolean);
    if (!ids.length || !name) {
      errors.push({ line, local_id: '', message: !name ? 'the name is empty' : 'the code is empty' });
      return;
    }
    if (name.length > 100 || /[\u0000-\u001f\u007f-\u009f\ufffd]/.test(name)) {
      errors.push({ line, local_id: ids[0]!.slice(0, 64), message: 'the name is longer than 100 characters or holds a control character' });
      return;
    }
    for (const id of ids) names.set(id.slice(0, 100), name);
  });
  if (!header) throw new AppError('invalid', `${file} has no rows at all`);
  const usedAt = new Set([...codes, nameAt]);
  const used = [...usedAt].sort((a, b) => a - b).map((i) => ({ column: raw[i]!, field: i === nameAt ? 'building name' : 'building' }));
  const ignored = raw.filter((c, i) => c && !usedAt.has(i)).slice(0, 200);
  return { names, errors, rows, used, ignored, encoding: csv.encoding, delimiter: csv.delimiter, sha256: csv.sha256, bytes: csv.bytes };
}

function firstOf(header: string[], names: readonly string[]): number[] {
  for (const n of names) {
    const at = header.indexOf(n);
    if (at >= 0) return [at];
  }
  return [];
}
