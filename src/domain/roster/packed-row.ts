import type { PackedShape } from '../../storage/roster-compare.ts';
import { USER_FIELDS, type Role, type RosterRow } from './types.ts';

/**
 * A valid row as it is staged until the file is judged (roster-staging.ts), packed into one flat
 * string: line, role, active, then each of USER_FIELDS (ABSENT where the file has no such column),
 * joined by U+001F: one column of the staging table, and half the heap of an object while a page
 * of rows is compared.
 * Safe because a valid row's values hold no control character (rows.ts refuses them).
 */
export type PackedRow = string;

const SEP = '\u001f';
const ABSENT = '\u001e';
const HEAD = 3;

export function packRow(row: RosterRow): PackedRow {
  const parts: string[] = [String(row.line), row.role, row.active ? '1' : '0'];
  for (let i = 0; i < USER_FIELDS.length; i++) parts.push(row.values[i] ?? ABSENT);
  // NB: join makes one flat string; `+` would keep a tree of the pieces (more memory, not less).
  return parts.join(SEP);
}

export function unpackRow(packed: PackedRow): RosterRow {
  const parts = packed.split(SEP);
  const values: (string | undefined)[] = new Array(USER_FIELDS.length);
  for (let i = 0; i < USER_FIELDS.length; i++) {
    const v = parts[HEAD + i]!;
    values[i] = v === ABSENT ? undefined : v;
  }
  return { line: Number(parts[0]), local_id: values[LOCAL_ID] ?? '', role: parts[1] as Role, active: parts[2] === '1', values };
}

const LOCAL_ID = USER_FIELDS.indexOf('local_id');

/**
 * The line, role and active flag of a packed row, read without unpacking its values: the
 * comparison needs no more of a new row, and splitting every row of a first import was a sixth of
 * what the import allocated.
 */
export function packedHead(packed: PackedRow): { line: number; role: Role; active: boolean } {
  const a = packed.indexOf(SEP);
  const b = packed.indexOf(SEP, a + 1);
  return { line: Number(packed.slice(0, a)), role: packed.slice(a + 1, b) as Role, active: packed.charCodeAt(b + 1) === 49 /* '1' */ };
}

/**
 * How rows packed like `sample` lay out their values after the line number, for SQLite to build
 * the same text from a user (storage/roster-compare.ts). Every row of a file has the same
 * columns, so one row tells which are absent.
 */
export function packedShape(sample: PackedRow | undefined): PackedShape {
  const values = sample === undefined ? undefined : unpackRow(sample).values;
  return { separator: SEP, absent: ABSENT, columns: USER_FIELDS.map((f, i) => (values?.[i] === undefined ? null : f)) };
}
