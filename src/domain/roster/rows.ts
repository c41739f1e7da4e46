import type { Layout, Target } from './layout.ts';
import { FIELD_LABELS, USER_FIELDS, type Role, type RosterRow, type UserField } from './types.ts';

/** Longest value kept per field; a longer one is an error on its line, not a silent cut. */
export const MAX_LENGTH: Record<UserField, number> = {
  local_id: 64,
  first_name: 100,
  last_name: 100,
  middle_name: 100,
  grade: 32,
  building: 100,
  email: 254,
  username: 100,
  position: 100,
};

const EXCEL_NUMBER = /^[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+$/;
// C0 and C1 controls, DEL, and U+FFFD (a byte that did not decode).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffd]/;

export type RoleOf = (fields: string[]) => Role | 'ignore' | { error: string };

export interface RowRules {
  layout: Layout;
  /** Role of each row: fixed by the file kind, or read from it (OneRoster, a mapped column). */
  roleOf: RoleOf;
  /** Turns an org reference into a building name (OneRoster orgs.csv), else returns it as is. */
  building?: (value: string) => string;
}

export type RowResult = { row: RosterRow } | { ignored: true } | { error: string; local_id: string };

/**
 * One CSV record → a roster row or the reasons it cannot be imported, all named on one
 * message so the admin fixes a line in one go. Only mapped columns are read: a password
 * column is never touched.
 */
export function toRow(fields: string[], line: number, rules: RowRules): RowResult {
  const { layout } = rules;
  const cols = layout.columns;
  const localId = cell(fields, cols.local_id);
  const problems: string[] = [];
  if (fields.length < layout.width) {
    problems.push(`has ${fields.length} value${fields.length === 1 ? '' : 's'} but the header has ${layout.width} columns (a line break inside a value that is not quoted?)`);
  } else if (fields.length > layout.width && fields.slice(layout.width).some((v) => v.trim() !== '')) {
    problems.push(`has ${fields.length} values but the header has ${layout.width} columns (a comma inside a value that is not quoted?)`);
  }
  const role = rules.roleOf(fields);
  if (role === 'ignore') return { ignored: true };
  if (typeof role === 'object') problems.push(role.error);

  const values: Partial<Record<UserField, string>> = {};
  for (const field of USER_FIELDS) {
    const at = cols[field];
    if (at === undefined) continue;
    let value = cell(fields, at);
    if (field === 'building' && rules.building && value) value = rules.building(value);
    // OneRoster lists every grade a user belongs to; the first is theirs.
    if (field === 'grade' && layout.format.startsWith('OneRoster')) value = value.split(',')[0]!.trim();
    const label = FIELD_LABELS[field];
    if (CONTROL.test(value)) {
      problems.push(
        value.includes('\ufffd')
          ? `${label} has a character that could not be decoded (shown as �): save the file as "CSV UTF-8"`
          : `${label} contains a control character or line break: remove it in the SIS`,
      );
    }
    if (value.length > MAX_LENGTH[field]) {
      problems.push(`${label} is ${value.length} characters long; the most allowed is ${MAX_LENGTH[field]}`);
    }
    values[field] = value;
  }
  if (!localId) problems.push('Local ID is empty');
  else if (EXCEL_NUMBER.test(localId)) problems.push(`Local ID "${localId}": Excel turned this ID into a number: export the column as text`);
  else if (/[/\\]/.test(localId)) problems.push(`Local ID "${localId}" contains "/" or "\\", which cannot be part of a photo file name`);
  if (!values.first_name) problems.push('First Name is empty');
  if (!values.last_name) problems.push('Last Name is empty');

  let active = true;
  const activeText = cols.active !== undefined ? cell(fields, cols.active) : cols.status !== undefined ? cell(fields, cols.status) : '';
  if (activeText) {
    const parsed = parseActive(activeText);
    if (parsed === undefined) problems.push(`${cols.active !== undefined ? 'Active' : 'status'} "${activeText}" is not one of yes/no, true/false, 1/0, active/inactive`);
    else active = parsed;
  }
  if (problems.length) return { error: problems.join('; '), local_id: localId.slice(0, MAX_LENGTH.local_id) };
  return { row: { line, local_id: localId, role: role as Role, active, values } };
}

function cell(fields: string[], at: number | undefined): string {
  return at === undefined ? '' : (fields[at] ?? '').trim();
}

function parseActive(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (['y', 'yes', 'true', '1', 'active', 'a', 'enrolled'].includes(t)) return true;
  if (['n', 'no', 'false', '0', 'inactive', 'i', 'withdrawn', 'tobedeleted'].includes(t)) return false;
  return undefined;
}

/** OneRoster and mapped role values → ours; parents and guardians are not imported. */
export function roleFromText(text: string): Role | 'ignore' | { error: string } {
  const t = text.trim().toLowerCase();
  if (t === 'student' || t === 'students' || t === 'learner') return 'student';
  if (STAFF_ROLES.has(t)) return 'staff';
  if (t === 'parent' || t === 'guardian' || t === 'relative') return 'ignore';
  if (!t) return { error: 'Role is empty' };
  return { error: `Role "${text.trim()}" is not one we know (student, teacher, staff, administrator, aide, …)` };
}

const STAFF_ROLES = new Set([
  'staff', 'teacher', 'teachers', 'administrator', 'aide', 'proctor', 'counselor', 'principal',
  'districtadministrator', 'siteadministrator', 'systemadministrator', 'teacherassistant', 'employee',
]);

export type { Target };
