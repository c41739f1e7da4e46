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
  opt_out: 1,
};

const EXCEL_NUMBER = /^[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+$/;
// C0 and C1 controls, DEL, and U+FFFD (a byte that did not decode).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\ufffd]/;

export { quote };

export type RoleOf = (fields: string[]) => Role | { ignore: string } | { error: string };

export interface RowRules {
  layout: Layout;
  /** Role of each row: fixed by the file kind, or read from it (OneRoster, a mapped column). */
  roleOf: RoleOf;
  /** Turns an org reference into a building name (OneRoster orgs.csv), else returns it as is. */
  building?: (value: string) => string;
  /**
   * Set for OneRoster: a staff-type row with no Local ID is left out with this reason, not an
   * error (proctors and aides often have no identifier, and cannot match a photo anyway).
   */
  staffWithoutId?: string;
  /** Reads the `active` column through its value map (see value-maps.ts). */
  activeOf?: (text: string) => boolean | { error: string };
}

export type RowResult = { row: RosterRow } | { ignored: string } | { error: string; local_id: string };

/**
 * One CSV record → a roster row or the reasons it cannot be imported, all named on one
 * message so the admin fixes a line in one go. Only mapped columns are read: a password
 * column is never touched.
 */
export function toRow(fields: string[], line: number, rules: RowRules): RowResult {
  const { layout } = rules;
  const cols = layout.columns;
  const problems: string[] = [];
  if (fields.length < layout.width) {
    problems.push(`has ${fields.length} value${fields.length === 1 ? '' : 's'} but the header has ${layout.width} columns (a line break inside a value that is not quoted?)`);
  } else if (fields.length > layout.width && fields.slice(layout.width).some((v) => v.trim() !== '')) {
    problems.push(`has ${fields.length} values but the header has ${layout.width} columns (a comma inside a value that is not quoted?)`);
  }
  const role = rules.roleOf(fields);
  if (typeof role === 'object') {
    if ('ignore' in role) return { ignored: role.ignore };
    problems.push(role.error);
  }

  // NB: the hot loop of a 100,000-row import: column indexes are looked up once per file.
  const mapped = mappedColumns(layout);
  const values: (string | undefined)[] = new Array(USER_FIELDS.length);
  for (let i = 0; i < USER_FIELDS.length; i++) {
    const at = mapped[i];
    if (at === undefined) continue;
    const field = USER_FIELDS[i]!;
    let value = cell(fields, at);
    if (field === 'building' && rules.building && value) value = rules.building(value);
    // OneRoster lists every grade a user belongs to; the first is theirs.
    if (field === 'grade' && layout.format.startsWith('OneRoster')) value = value.split(',')[0]!.trim();
    if (field === 'opt_out') {
      const flag = parseOptOut(value);
      if (flag === undefined) {
        problems.push(`Photo Opt Out ${quote(value)} is not one of yes/no, true/false, 1/0, Y/N (leave it empty for no)`);
        continue;
      }
      value = flag;
    }
    if (CONTROL.test(value)) {
      problems.push(
        value.includes('\ufffd')
          ? `${FIELD_LABELS[field]} has a character that could not be decoded (shown as �): save the file as "CSV UTF-8"`
          : `${FIELD_LABELS[field]} contains a control character or line break: remove it in the SIS`,
      );
    }
    if (value.length > MAX_LENGTH[field]) {
      problems.push(`${FIELD_LABELS[field]} is ${value.length} characters long; the most allowed is ${MAX_LENGTH[field]}`);
    }
    values[i] = value;
  }
  const localId = values[LOCAL_ID] ?? '';
  if (!localId && role === 'staff' && rules.staffWithoutId) return { ignored: rules.staffWithoutId };
  if (!localId) problems.push('Local ID is empty');
  else if (EXCEL_NUMBER.test(localId)) problems.push(`Local ID ${quote(localId)}: Excel turned this ID into a number: export the column as text`);
  else if (localId.includes('/') || localId.includes('\\')) problems.push(`Local ID ${quote(localId)} contains "/" or "\\", which cannot be part of a photo file name`);
  if (!values[FIRST_NAME]) problems.push('First Name is empty');
  if (!values[LAST_NAME]) problems.push('Last Name is empty');

  let active = true;
  if (cols.active !== undefined && rules.activeOf) {
    const read = rules.activeOf(cell(fields, cols.active));
    if (typeof read === 'object') problems.push(read.error);
    else active = read;
  } else if (cols.status !== undefined) {
    const text = cell(fields, cols.status);
    const parsed = text ? parseActive(text) : true;
    if (parsed === undefined) problems.push(`status ${quote(text)} is not one of yes/no, true/false, 1/0, active/inactive`);
    else active = parsed;
  }
  // OneRoster: a disabled account is inactive whatever its status says.
  if (cols.enabled !== undefined && cell(fields, cols.enabled).toLowerCase() === 'false') active = false;
  if (problems.length) return { error: problems.join('; '), local_id: localId.slice(0, MAX_LENGTH.local_id) };
  return { row: { line, local_id: localId, role: role as Role, active, values } };
}

const LOCAL_ID = USER_FIELDS.indexOf('local_id');
const FIRST_NAME = USER_FIELDS.indexOf('first_name');
const LAST_NAME = USER_FIELDS.indexOf('last_name');
const MAPPED = new WeakMap<Layout, (number | undefined)[]>();

/** The column of each of USER_FIELDS in this layout, computed once per file. */
function mappedColumns(layout: Layout): (number | undefined)[] {
  let mapped = MAPPED.get(layout);
  if (!mapped) {
    mapped = USER_FIELDS.map((f) => layout.columns[f]);
    MAPPED.set(layout, mapped);
  }
  return mapped;
}

/** A value inside a message, cut short: a hostile file must not make messages megabytes long. */
function quote(value: string): string {
  return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
}

function cell(fields: string[], at: number | undefined): string {
  return at === undefined ? '' : (fields[at] ?? '').trim();
}

/** A FERPA opt-out flag → '1' (withhold) or '0'; empty is no; undefined when it is not a flag we read. */
function parseOptOut(text: string): '0' | '1' | undefined {
  const t = text.toLowerCase();
  if (t === '' || t === 'n' || t === 'no' || t === 'false' || t === '0') return '0';
  if (t === 'y' || t === 'yes' || t === 'true' || t === '1') return '1';
  return undefined;
}

function parseActive(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (['y', 'yes', 'true', '1', 'active', 'a', 'enrolled'].includes(t)) return true;
  if (['n', 'no', 'false', '0', 'inactive', 'i', 'withdrawn', 'tobedeleted'].includes(t)) return false;
  return undefined;
}

/** OneRoster and mapped role values → ours; parents and guardians are not imported. */
export function roleFromText(text: string): Role | { ignore: string } | { error: string } {
  const t = text.trim().toLowerCase();
  if (t === 'student' || t === 'students' || t === 'learner') return 'student';
  if (STAFF_ROLES.has(t)) return 'staff';
  if (t === 'parent' || t === 'guardian' || t === 'relative') return PARENTS;
  if (!t) return { error: 'Role is empty' };
  return { error: `Role ${quote(text.trim())} is not one we know (student, teacher, staff, administrator, aide, …)` };
}

const PARENTS = { ignore: 'parents, guardians and relatives are not imported' };

const STAFF_ROLES = new Set([
  'staff', 'teacher', 'teachers', 'administrator', 'aide', 'proctor', 'counselor', 'principal',
  'districtadministrator', 'siteadministrator', 'systemadministrator', 'teacherassistant', 'employee',
]);

export type { Target };
