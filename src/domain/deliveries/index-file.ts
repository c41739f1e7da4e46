import iconv from 'iconv-lite';
import { parse } from 'csv-parse/sync';
import { AppError } from '../../shared/errors.ts';
import { detectEncoding, type TextEncoding } from '../roster/decode.ts';
import { normalizeHeader } from '../roster/layout.ts';

/** One line of a delivery's index: which image, and who it shows. */
export interface IndexLine {
  line: number;
  /** Path of the image inside the zip, resolved against the index's folder. */
  image: string;
  studentId: string;
  lastName: string;
  firstName: string;
  grade: string;
  /** Set when the line itself cannot be used (too few fields, no image name). */
  problem?: string;
}

export interface ParsedIndex {
  kind: 'pspa' | 'idlink';
  encoding: TextEncoding;
  lines: IndexLine[];
}

/**
 * PSPA portrait index (INDEX.TXT): tab-delimited, one row per person, in the fixed order
 * Volume, Image Folder, Image File Name, Grade, Last Name, First Name, Homeroom, Period, Teacher,
 * Track, Department, Title, Image Size, and in many deliveries a student ID after them. Some
 * vendors add a header row; then the ID column is found by its name.
 */
const PSPA = { folder: 1, file: 2, grade: 3, last: 4, first: 5, id: 13 } as const;
const ID_HEADERS = new Set(['studentid', 'id', 'localid', 'studentnumber', 'personid', 'idnumber', 'stuid', 'student']);

/**
 * Reads an index in UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252 (the
 * encodings vendors' Windows tools write), and turns each line into an IndexLine. Lines that
 * cannot be used come back with `problem`, never dropped. `dir` is the index's folder in the zip.
 */
export function parseIndex(bytes: Buffer, fileName: string, dir: string): ParsedIndex {
  let encoding: TextEncoding;
  try {
    encoding = detectEncoding({ sha256: '', bytes: bytes.length, sample: bytes.subarray(0, 64 * 1024), utf8: isUtf8(bytes) });
  } catch {
    throw new AppError('invalid', `${fileName} cannot be read as text (binary data, or UTF-16 without a byte-order mark); ask the vendor for the index as text`);
  }
  const text = iconv.decode(bytes, encoding).replace(/^\uFEFF/, '');
  const kind = /idlink\.txt$/i.test(fileName) ? 'idlink' : 'pspa';
  const rows: string[][] = parse(text, {
    delimiter: kind === 'pspa' ? '\t' : ',',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: false,
    quote: kind === 'pspa' ? false : '"',
  });
  const lines: IndexLine[] = [];
  // A line naming a path outside the zip is that line's problem, not the delivery's.
  const at = (p: string) => {
    try {
      return joinPath(dir, p);
    } catch {
      return `../${p}`;
    }
  };
  if (kind === 'idlink') {
    rows.forEach((row, i) => {
      if (row.every((c) => c.trim() === '')) return;
      const [barcode = '', file = ''] = row.map((c) => c.trim());
      const base = { line: i + 1, image: file ? at(file) : '', studentId: barcode, lastName: '', firstName: '', grade: '' };
      if (row.length < 2 || !barcode || !file) lines.push({ ...base, problem: 'needs two values: "barcode","file name"' });
      else if (base.image.startsWith('../')) lines.push({ ...base, problem: `names ${file}, which is outside the delivery` });
      else lines.push(base);
    });
    return { kind, encoding, lines };
  }
  let idColumn: number = PSPA.id;
  let first = 0;
  if (rows[0] && /image\s*file/i.test(rows[0][PSPA.file] ?? '')) {
    const header = rows[0].map(normalizeHeader);
    const found = header.findIndex((h) => ID_HEADERS.has(h));
    idColumn = found >= 0 ? found : -1;
    first = 1;
  }
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]!.map((c) => c.trim());
    if (row.every((c) => c === '')) continue;
    const cell = (n: number) => (n >= 0 ? (row[n] ?? '') : '');
    const folder = cell(PSPA.folder);
    const file = cell(PSPA.file);
    const base = {
      line: i + 1,
      image: file ? at(folder ? `${folder}/${file}` : file) : '',
      studentId: cell(idColumn),
      lastName: cell(PSPA.last),
      firstName: cell(PSPA.first),
      grade: cell(PSPA.grade),
    };
    if (row.length < 6) lines.push({ ...base, problem: `has ${row.length} tab-separated values; a PSPA index line has at least 6 (Volume, Image Folder, Image File Name, Grade, Last Name, First Name)` });
    else if (!file) lines.push({ ...base, problem: 'names no image file (column 3, Image File Name, is empty)' });
    else if (base.image.startsWith('../')) lines.push({ ...base, problem: `names ${folder}/${file}, which is outside the delivery` });
    else if (!base.studentId && (!base.lastName || !base.firstName)) lines.push({ ...base, problem: 'has neither a student ID nor both a last and a first name' });
    else lines.push(base);
  }
  return { kind, encoding, lines };
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Resolves `p` (backslashes as Windows tools write them) against `dir`; never climbs above the zip's root. */
export function joinPath(dir: string, p: string): string {
  const parts = (dir ? `${dir}/${p}` : p).replace(/\\/g, '/').split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) throw new AppError('invalid', `the index names ${p}, which is outside the delivery`);
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}
