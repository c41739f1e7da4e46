import type { RosterUser as UserRow, UserKey } from '../../storage/user-store.ts';
import { USER_FIELDS, type ImportError, type RosterRow } from './types.ts';
import { unpackRow, type PackedRow } from './packed-row.ts';

/** Users made one at a time as they are read: the plan keeps a new user as its packed row. */
export type UserList = Iterable<UserRow> & { readonly length: number };

/** What applying a roster would change, computed before anything is written. */
export interface Plan {
  /** New users: on a first import, every row of the file, so kept packed (see PackedRow). */
  inserts: UserList;
  updates: UserRow[];
  /** Each update's user as stored now, at the same index (for the field-by-field changes). */
  previous: UserRow[];
  /** Local IDs of active users of this source that the file no longer lists. */
  missing: string[];
  unchanged: number;
  /** Updates that bring an inactive user back. */
  reactivated: number;
  /** Updates that turn an active user inactive (a status column said so). */
  deactivatedByRow: number;
  /** New users the file lists as inactive (a status column said so). */
  addedInactive: number;
  /** Active users attributed to this source before the import: the base of the deactivation share. */
  activeInSource: number;
  /** All users attributed to this source, active or not: the base of the change share. */
  usersInSource: number;
  /** Every user in the table before the import. */
  usersInTable: number;
  /** Rows refused because their ID belongs to someone of the other role. */
  conflicts: ImportError[];
}

/** How the plan reads the users table (storage functions over one database). */
export interface UserSource {
  /** Every user, with the named columns packed into `key` (joined by U+001F). */
  scanKeys(columns: readonly string[]): Iterable<UserKey>;
  get(localId: string): UserRow | undefined;
}

const SEP = '\u001f';

/**
 * Compares the rows of a file with every existing user in one pass. A row whose Local ID is
 * an active user of the other role from another file is a conflict (one ID, one person: a
 * student and a staff member cannot share it), reported on its line; the user is left alone.
 * Columns the file does not have keep their stored values.
 * NB: takes the rows over: `byId` is emptied as they are matched and planned (one copy of each row
 * held at a time, not two); new users stay packed until they are written.
 */
export function planImport(users: UserSource, byId: Map<string, PackedRow>, source: string): Plan {
  const inserts: PackedRow[] = [];
  const plan: Plan = { inserts: newUsers(inserts, source), updates: [], previous: [], missing: [], unchanged: 0, reactivated: 0, deactivatedByRow: 0, addedInactive: 0, activeInSource: 0, usersInSource: 0, usersInTable: 0, conflicts: [] };
  // Every row of a file has the same columns: the first one tells which are compared.
  const first = byId.values().next().value as PackedRow | undefined;
  const sample = first === undefined ? undefined : unpackRow(first);
  const compared: number[] = [];
  for (let i = 1; i < USER_FIELDS.length; i++) if (sample?.values[i] !== undefined) compared.push(i);
  for (const user of users.scanKeys(compared.map((i) => USER_FIELDS[i]!))) {
    plan.usersInTable++;
    if (user.source === source) {
      plan.usersInSource++;
      if (user.active === 1) plan.activeInSource++;
    }
    const packed = byId.get(user.local_id);
    if (packed === undefined) {
      if (user.source === source && user.active === 1) plan.missing.push(user.local_id);
      continue;
    }
    byId.delete(user.local_id);
    const row = unpackRow(packed);
    if (user.role !== row.role && user.active === 1 && user.source !== source) {
      // NB: no name in the message: error lines travel to /reports/, which holds no student data.
      plan.conflicts.push({
        line: row.line,
        local_id: row.local_id,
        message: `Local ID "${row.local_id}" already belongs to an active ${user.role} from ${user.source || 'another file'}; one ID is one person: give ${row.role === 'staff' ? 'staff' : 'students'} distinct IDs in the SIS`,
      });
      continue;
    }
    const active = row.active ? 1 : 0;
    if (user.role === row.role && user.active === active && user.source === source && user.key === keyOf(row, compared)) {
      plan.unchanged++;
      continue;
    }
    const old = users.get(user.local_id)!;
    const next = merge(old, row, source);
    plan.updates.push(next);
    plan.previous.push(old);
    if (user.active === 0 && next.active === 1) plan.reactivated++;
    if (user.active === 1 && next.active === 0) plan.deactivatedByRow++;
  }
  // NB: the packed rows move from the map to the plan as they are: no second copy of the file.
  for (const [localId, packed] of byId) {
    byId.delete(localId);
    inserts.push(packed);
    if (!unpackRow(packed).active) plan.addedInactive++;
  }
  return plan;
}

function newUsers(packed: readonly PackedRow[], source: string): UserList {
  return {
    get length() {
      return packed.length;
    },
    *[Symbol.iterator]() {
      for (const p of packed) yield merge(undefined, unpackRow(p), source);
    },
  };
}

function keyOf(row: RosterRow, compared: readonly number[]): string {
  let key = '';
  for (let j = 0; j < compared.length; j++) key += (j ? SEP : '') + row.values[compared[j]!]!;
  return key;
}

function merge(user: UserRow | undefined, row: RosterRow, source: string): UserRow {
  const out: UserRow = user
    ? { ...user }
    : { local_id: row.local_id, first_name: '', last_name: '', middle_name: '', role: row.role, grade: '', building: '', email: '', username: '', position: '', opt_out: '0', active: 1, source };
  for (let i = 0; i < USER_FIELDS.length; i++) {
    const v = row.values[i];
    if (v !== undefined) out[USER_FIELDS[i]!] = v;
  }
  out.role = row.role;
  out.active = row.active ? 1 : 0;
  out.source = source;
  return out;
}
