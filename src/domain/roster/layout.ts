import { AppError } from '../../shared/errors.ts';
import { FIELD_LABELS, type RosterKind, type UserField } from './types.ts';
import {
  AERIES_INACTIVE_CODE, POWERSCHOOL_ENROLL_STATUS, POWERSCHOOL_TEACHER_STATUS, SKYWARD_STATUS, VENDOR_ACTIVE_COLUMNS, type ValueMap,
} from './value-maps.ts';

/**
 * Which column of a file holds what: found from the header row (names compared without
 * regard to case, spaces, underscores, hyphens or dots), from a configured mapping, or by
 * position for the header-less staff layout.
 */
export type Target = UserField | 'role' | 'active' | 'status' | 'enabled' | 'sourced_id' | 'org';

/** One column of the header and the field it filled (`active`, `role` and the user fields). */
export interface ColumnUse {
  column: string;
  field: string;
}

export interface Layout {
  /** The layout recognised: PowerSchool, Infinite Campus, Skyward, Aeries, Clever, OneRoster, native or `[roster.mapping."F"]`. */
  name: string;
  /** Human name of the detected format, kept in the import history. */
  format: string;
  /** What the values of the `active` column mean; plain yes/no when undefined. */
  activeMap?: ValueMap | undefined;
  /** The header's columns that were read, in header order, and those that were not. */
  used: ColumnUse[];
  ignored: string[];
  /** False for the header-less staff layout: the first row is data. */
  hasHeader: boolean;
  columns: Partial<Record<Target, number>>;
  /** Number of columns the header declares (rows are checked against it). */
  width: number;
  /** Normalised header name of every column, '' for header-less files. */
  header: string[];
}

export interface ColumnMapping {
  kind: 'students' | 'staff';
  /** Our field → the district's column name. */
  columns: Partial<Record<Target, string>>;
  /** From active_values / inactive_values; undefined leaves the column's vendor default or yes/no. */
  activeMap?: ValueMap | undefined;
}

export interface LayoutOptions {
  kind: RosterKind;
  /** File name as configured or uploaded, for messages. */
  file: string;
  mapping?: ColumnMapping;
  cleverStudentId: string;
  cleverTeacherId: string;
  /** OneRoster column that holds the Local ID (`roster.oneroster_local_id`, default `identifier`). */
  oneRosterLocalId?: 'identifier' | 'username' | 'sourcedId' | undefined;
}

/** `Student_Number` → `studentnumber`: how header names are compared. */
export function normalizeHeader(name: string): string {
  return name.replace(/^\uFEFF/, '').toLowerCase().replace(/[\s_.\-#]+/g, '');
}

/** Accepted names per field, best first (PowerSchool exports both `ID` and `Student_Number`; the latter wins). */
export const ALIASES: Record<UserField, readonly string[]> = {
  local_id: [
    'localid', 'studentnumber', 'studentid', 'staffid', 'staffnumber', 'teachernumber', 'teacherid',
    'employeeid', 'employeenumber', 'permid', 'permanentid', 'identifier', 'id',
  ],
  first_name: ['firstname', 'first', 'givenname', 'fname', 'legalfirstname'],
  last_name: ['lastname', 'last', 'surname', 'familyname', 'lname', 'legallastname'],
  middle_name: ['middlename', 'middle', 'middleinitial', 'mi'],
  grade: ['grade', 'gradelevel', 'grades', 'currentgrade'],
  building: [
    'building', 'buildingcode', 'buildingid', 'buildingname', 'schoolcode', 'school', 'schoolid',
    'schoolnumber', 'schoolname', 'entityid', 'site', 'campus', 'location',
  ],
  email: [
    'email', 'emailaddr', 'emailaddress', 'studentemail', 'studentemailaddress', 'staffemail', 'teacheremail', 'schoolemail',
    'workemail', 'mail',
  ],
  username: ['username', 'login', 'loginid', 'loginname', 'teacherloginid', 'studentwebid', 'networkid', 'samaccountname'],
  position: ['position', 'title', 'jobtitle'],
  // FERPA directory-information flags as SIS exports name them; each means "withhold" when set.
  opt_out: [
    'photooptout', 'optout', 'photoopt', 'directoryoptout', 'directoryinfooptout', 'directoryinformationoptout',
    'ferpaoptout', 'ferpadirectoryoptout', 'ferpaphotooptout', 'mediaoptout', 'mediareleaseoptout', 'publicityoptout',
    'photoreleaseoptout', 'nodirectoryinfo', 'withholddirectoryinfo', 'donotpublish', 'donotrelease',
  ],
};

/** The staff layout of the product we model; its header row is optional. Password and Certification are never read. */
export const STAFF_LAYOUT = [
  'Staff ID', 'First Name', 'Last Name', 'Username', 'Password', 'Email', 'Building Code', 'Position', 'Certification',
] as const;
const STAFF_LAYOUT_COLUMNS: Partial<Record<Target, number>> = {
  local_id: 0, first_name: 1, last_name: 2, username: 3, email: 5, building: 6, position: 7,
};

const REQUIRED: readonly UserField[] = ['local_id', 'first_name', 'last_name'];

/** Every header name we know, to tell a header row from a data row. */
const KNOWN = new Set<string>([
  ...Object.values(ALIASES).flat(),
  ...STAFF_LAYOUT.map(normalizeHeader),
  'password', 'sourcedid', 'role', 'status', 'orgsourcedids', 'enableduser', 'enrollstatus', 'personid', 'nameid',
  'inactivestatuscode',
]);

/** Decides the layout of a file from its first row. Throws AppError('invalid') naming what is missing. */
export function detectLayout(firstRow: string[], opts: LayoutOptions): Layout {
  const header = firstRow.map(normalizeHeader);
  const width = lastNonEmpty(firstRow) + 1;
  const looksLikeHeader = header.some((h) => KNOWN.has(h)) || (opts.mapping !== undefined && mappedAny(header, opts.mapping));
  if (!looksLikeHeader) {
    if (opts.kind === 'staff' && !opts.mapping && (width === 8 || width === 9)) {
      const columns = { ...STAFF_LAYOUT_COLUMNS };
      return { name: 'native', format: 'staff layout (no header row)', hasHeader: false, columns, width, header: [], ...columnReport([...STAFF_LAYOUT], columns) };
    }
    throw new AppError(
      'invalid',
      `the first row is not a header row we recognise (${width} columns, starting with "${clip(firstRow[0] ?? '')}"); it must name the columns, e.g. ${expected(opts.kind)}`,
    );
  }
  const columns = byAliases(header);
  let format: string;
  let name: string;
  let activeMap: ValueMap | undefined;
  if (opts.mapping) {
    format = `mapping for ${opts.file}`;
    name = `[roster.mapping."${opts.file}"]`;
    for (const [target, name] of Object.entries(opts.mapping.columns) as [Target, string][]) {
      if (!name) continue;
      const at = header.indexOf(normalizeHeader(name));
      if (at < 0) {
        throw new AppError('invalid', `the column "${name}" named in [roster.mapping."${opts.file}"] ${target} is not in the header row (${preview(firstRow)})`);
      }
      columns[target] = at;
    }
    if (columns.active !== undefined) activeMap = opts.mapping.activeMap ?? VENDOR_ACTIVE_COLUMNS[header[columns.active]!];
  } else if (has(header, 'sourcedid', 'givenname', 'familyname')) {
    name = 'OneRoster';
    format = has(header, 'role') || has(header, 'orgsourcedids') ? 'OneRoster 1.1 users' : 'OneRoster 1.2 users';
    const idName = opts.oneRosterLocalId ?? 'identifier';
    const idColumn = normalizeHeader(idName);
    if (!header.includes(idColumn)) {
      throw new AppError('invalid', `users.csv has no "${idName}" column, which roster.oneroster_local_id names as the Local ID; the header row has: ${preview(firstRow)}`);
    }
    assign(columns, header, 'local_id', idColumn, true);
    assign(columns, header, 'email', 'email', true);
    assign(columns, header, 'sourced_id', 'sourcedid');
    assign(columns, header, 'role', 'role');
    assign(columns, header, 'status', 'status');
    assign(columns, header, 'enabled', 'enableduser');
    assign(columns, header, 'grade', 'grades', true);
    if (!assign(columns, header, 'org', 'primaryorgsourcedid')) assign(columns, header, 'org', 'orgsourcedids');
    delete columns.building;
    // 1.1 names the role on the row; only 1.2 looks it up in roles.csv by sourcedId.
    if (columns.role !== undefined && idColumn !== 'sourcedid') delete columns.sourced_id;
  } else if (has(header, 'schoolid', 'studentid', 'studentnumber')) {
    name = 'Clever';
    format = 'Clever students';
    cleverId(columns, header, opts.cleverStudentId, 'roster.clever_student_id', firstRow);
  } else if (has(header, 'schoolid', 'teacherid', 'teachernumber')) {
    name = 'Clever';
    format = 'Clever teachers';
    cleverId(columns, header, opts.cleverTeacherId, 'roster.clever_teacher_id', firstRow);
  } else if (has(header, 'schoolid', 'staffid', 'staffemail')) {
    name = 'Clever';
    format = 'Clever staff';
    assign(columns, header, 'local_id', 'staffid', true);
  } else if (has(header, 'studentnumber') && (has(header, 'enrollstatus') || has(header, 'gradelevel'))) {
    name = 'PowerSchool';
    format = 'PowerSchool students';
    activeMap = POWERSCHOOL_ENROLL_STATUS;
    assign(columns, header, 'active', 'enrollstatus');
  } else if (has(header, 'teachernumber') && (has(header, 'emailaddr') || has(header, 'staffstatus'))) {
    name = 'PowerSchool';
    format = 'PowerSchool teachers';
    activeMap = POWERSCHOOL_TEACHER_STATUS;
    assign(columns, header, 'active', 'status');
  } else if (has(header, 'personid')) {
    // Infinite Campus extracts list current enrolments: no status column is read by default.
    name = 'Infinite Campus';
    format = `Infinite Campus ${opts.kind === 'staff' ? 'staff' : 'students'}`;
  } else if (has(header, 'nameid')) {
    name = 'Skyward';
    format = `Skyward ${opts.kind === 'staff' ? 'staff' : 'students'}`;
    activeMap = SKYWARD_STATUS;
    if (!assign(columns, header, 'active', 'status')) assign(columns, header, 'active', 'studentstatus');
  } else if (has(header, 'permid') || has(header, 'permanentid') || has(header, 'inactivestatuscode')) {
    name = 'Aeries';
    format = `Aeries ${opts.kind === 'staff' ? 'staff' : 'students'}`;
    activeMap = AERIES_INACTIVE_CODE;
    // Aeries' Student ID is per school; the Perm ID follows the student across the district.
    if (!assign(columns, header, 'local_id', 'permid')) assign(columns, header, 'local_id', 'permanentid');
    assign(columns, header, 'active', 'inactivestatuscode');
  } else if (opts.kind === 'staff' && (has(header, 'password') || has(header, 'certification') || has(header, 'buildingcode'))) {
    name = 'native';
    format = 'staff layout (with header row)';
  } else {
    name = 'native';
    format = opts.kind === 'staff' ? 'idphotos staff' : opts.kind === 'students' ? 'idphotos students' : 'idphotos users';
  }
  const missing = REQUIRED.filter((f) => columns[f] === undefined);
  if (missing.length) {
    const what = missing.map((f) => `${FIELD_LABELS[f]} (${alsoAccepted(f)})`).join('; ');
    throw new AppError('invalid', `missing required column${missing.length > 1 ? 's' : ''}: ${what}. The header row has: ${preview(firstRow)}`);
  }
  const widest = Math.max(width, ...Object.values(columns).map((i) => (i ?? 0) + 1));
  return { name, format, activeMap, hasHeader: true, columns, width: widest, header, ...columnReport(firstRow, columns) };
}

/** Names kept per import in the ignored list; a hostile header may have thousands. */
export const MAX_IGNORED_SHOWN = 200;

/** How a target shows in the report: OneRoster's status and org fill `active` and `building`. */
const REPORTED_AS: Partial<Record<Target, string>> = { status: 'active', enabled: 'active', org: 'building', sourced_id: 'role' };

/** Which header columns were read (and into what) and which were left alone, in header order. */
function columnReport(names: readonly string[], columns: Partial<Record<Target, number>>): { used: ColumnUse[]; ignored: string[] } {
  const byIndex = new Map<number, Target>();
  for (const [target, at] of Object.entries(columns) as [Target, number | undefined][]) {
    if (at !== undefined && !byIndex.has(at)) byIndex.set(at, target);
  }
  const used: ColumnUse[] = [];
  const ignored: string[] = [];
  let more = 0;
  names.forEach((raw, at) => {
    const column = clip(raw.replace(/^\uFEFF/, '').trim());
    const target = byIndex.get(at);
    if (target) used.push({ column, field: REPORTED_AS[target] ?? target });
    else if (column && ignored.length < MAX_IGNORED_SHOWN) ignored.push(column);
    else if (column) more++;
  });
  if (more) ignored.push(`… and ${more} more`);
  return { used, ignored };
}

function byAliases(header: string[]): Partial<Record<Target, number>> {
  const columns: Partial<Record<Target, number>> = {};
  for (const [field, names] of Object.entries(ALIASES) as [UserField, readonly string[]][]) {
    for (const name of names) {
      const at = header.indexOf(name);
      if (at >= 0) {
        columns[field] = at;
        break;
      }
    }
  }
  return columns;
}

function cleverId(columns: Partial<Record<Target, number>>, header: string[], name: string, key: string, firstRow: string[]): void {
  const at = header.indexOf(normalizeHeader(name));
  if (at < 0) throw new AppError('invalid', `the Clever file has no column "${name}" (set by ${key}); the header row has: ${preview(firstRow)}`);
  columns.local_id = at;
}

function assign(columns: Partial<Record<Target, number>>, header: string[], target: Target, name: string, override = false): boolean {
  const at = header.indexOf(name);
  if (at < 0) {
    if (override) delete columns[target];
    return false;
  }
  columns[target] = at;
  return true;
}

function has(header: string[], ...names: string[]): boolean {
  return names.every((n) => header.includes(n));
}

function mappedAny(header: string[], mapping: ColumnMapping): boolean {
  return Object.values(mapping.columns).some((name) => name && header.includes(normalizeHeader(name)));
}

function lastNonEmpty(row: string[]): number {
  for (let i = row.length - 1; i >= 0; i--) if (row[i]!.trim() !== '') return i;
  return -1;
}

function alsoAccepted(field: UserField): string {
  const names: Record<UserField, string> = {
    local_id: 'also accepted: Student Number, Student ID, Staff ID, Teacher Number, Employee ID, identifier, ID',
    first_name: 'also accepted: First, Given Name, FName',
    last_name: 'also accepted: Last, Surname, Family Name, LName',
    middle_name: '', grade: '', building: '', email: '', username: '', position: '', opt_out: '',
  };
  return names[field];
}

function expected(kind: RosterKind): string {
  if (kind === 'staff') return '"Local ID,First Name,Last Name,Building,Email,Position" (or the 9-column staff layout without a header)';
  if (kind === 'oneroster') return 'the OneRoster users.csv header (sourcedId,…,givenName,familyName,…,identifier,…)';
  return '"Local ID,First Name,Last Name,Middle Name,Grade,Building,Email,Username,Photo Opt Out"';
}

function clip(v: string): string {
  return v.length > 40 ? `${v.slice(0, 40)}…` : v;
}

function preview(row: string[]): string {
  const shown = row.slice(0, 12).map(clip).join(', ');
  return row.length > 12 ? `${shown}, … (${row.length} columns)` : shown;
}
