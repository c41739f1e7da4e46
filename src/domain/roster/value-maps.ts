/**
 * What the values of an `active` column mean. SIS exports write status as codes (PowerSchool's
 * Enroll_Status: 0 is active, 1 is not), so reading them as yes/no turns whole rosters inactive.
 * Values are compared trimmed and without regard to case.
 */
export interface ValueMap {
  /** Where the map comes from, for messages: "PowerSchool Enroll_Status", `[roster.mapping."pupils.csv"]`. */
  source: string;
  active: readonly string[];
  /** `others`: every value not listed as active is inactive (a mapping that lists only active_values). */
  inactive: readonly string[] | 'others';
}

/** The plain words every layout accepts when no map applies. */
const YES = ['y', 'yes', 'true', '1', 'active', 'a', 'enrolled'];
const NO = ['n', 'no', 'false', '0', 'inactive', 'i', 'withdrawn', 'tobedeleted'];

export const PLAIN: ValueMap = { source: 'yes/no', active: YES, inactive: NO };

/** PowerSchool students: 0 active; -1 pre-registered, 1 inactive, 2 transferred out, 3 graduated. */
export const POWERSCHOOL_ENROLL_STATUS: ValueMap = { source: 'PowerSchool Enroll_Status', active: ['0'], inactive: ['-1', '1', '2', '3'] };
/** PowerSchool teachers: Status 1 active, 2 inactive. */
export const POWERSCHOOL_TEACHER_STATUS: ValueMap = { source: 'PowerSchool teacher Status', active: ['1'], inactive: ['2'] };
/** Skyward: Status A active; I inactive. */
export const SKYWARD_STATUS: ValueMap = { source: 'Skyward Status', active: ['a'], inactive: ['i'] };
/** Aeries: Inactive Status Code blank means active; any code means inactive. */
export const AERIES_INACTIVE_CODE: ValueMap = { source: 'Aeries Inactive Status Code', active: [''], inactive: 'others' };

/**
 * Column names whose values are a vendor's codes wherever they appear, a mapped column
 * included: `active = "Enroll_Status"` reads 0 as active without any active_values.
 */
export const VENDOR_ACTIVE_COLUMNS: Record<string, ValueMap> = {
  enrollstatus: POWERSCHOOL_ENROLL_STATUS,
  inactivestatuscode: AERIES_INACTIVE_CODE,
  inactivestatus: AERIES_INACTIVE_CODE,
};

/** A mapping's `active_values` (and `inactive_values`) as a map; undefined when it lists none. */
export function mappingValueMap(file: string, activeValues: readonly string[], inactiveValues: readonly string[]): ValueMap | undefined {
  if (!activeValues.length) return undefined;
  return {
    source: `[roster.mapping."${file}"] active_values`,
    active: activeValues.map(norm),
    inactive: inactiveValues.length ? inactiveValues.map(norm) : 'others',
  };
}

/**
 * One cell → active or not, or the message for its line: a value the map does not list is an
 * error, never a silent deactivation. An empty cell is active unless the map says otherwise.
 */
export function readActive(text: string, map: ValueMap, column: string, file: string): boolean | { error: string } {
  const v = norm(text);
  if (map.active.includes(v)) return true;
  if (map.inactive === 'others' ? v !== '' : map.inactive.includes(v)) return false;
  if (v === '') return true;
  const shown = `"${text.trim().slice(0, 40)}"`;
  if (map === PLAIN) return { error: `${column} ${shown} is not one of yes/no, true/false, 1/0, active/inactive: or list the values that mean active in active_values of [roster.mapping."${file}"]` };
  return { error: `${column} ${shown} is not a value idphotos knows (${describeMap(map)}): list it in active_values or inactive_values of [roster.mapping."${file}"]` };
}

/** "0 = active; -1, 1, 2, 3 = inactive (PowerSchool Enroll_Status)" for messages and the docs. */
export function describeMap(map: ValueMap): string {
  const show = (vs: readonly string[]) => vs.map((v) => (v === '' ? '(blank)' : v)).join(', ');
  const inactive = map.inactive === 'others' ? 'anything else' : show(map.inactive);
  return `${show(map.active)} = active; ${inactive} = inactive, per ${map.source}`;
}

function norm(v: string): string {
  return v.trim().toLowerCase();
}
