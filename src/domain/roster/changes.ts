import type { UserRow } from '../../storage/roster-user-store.ts';
import type { Plan } from './diff.ts';

export const CHANGE_KINDS = ['added', 'changed', 'deactivated', 'reactivated'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface FieldChange {
  field: string;
  old: string;
  new: string;
}

/** One person an import adds, changes, deactivates or reactivates, with what it changes. */
export interface PersonChange {
  kind: ChangeKind;
  local_id: string;
  role: string;
  name: string;
  grade: string;
  building: string;
  /** Field by field, old → new (the `active` flag is the kind, not a field). */
  fields: FieldChange[];
}

/** Fields whose change is listed; `source` is bookkeeping and `active` is the kind itself. */
const COMPARED = ['first_name', 'middle_name', 'last_name', 'role', 'grade', 'building', 'email', 'username', 'position'] as const;

/**
 * The people behind an import's counts: added, changed, reactivated (from the plan's updates)
 * and deactivated (by a status column, or missing from a full export). `before` reads a user
 * as they are now, for the names of those deactivated for being missing.
 */
export function* personChanges(plan: Plan, missing: readonly string[], before: (localId: string) => UserRow | undefined): Generator<PersonChange> {
  for (const u of plan.inserts) yield person('added', u, []);
  for (let i = 0; i < plan.updates.length; i++) {
    const next = plan.updates[i]!;
    const old = plan.previous[i]!;
    const fields: FieldChange[] = [];
    for (const f of COMPARED) if (old[f] !== next[f]) fields.push({ field: f, old: String(old[f]), new: String(next[f]) });
    const kind: ChangeKind = old.active === 1 && next.active === 0 ? 'deactivated' : old.active === 0 && next.active === 1 ? 'reactivated' : 'changed';
    yield person(kind, next, fields);
  }
  for (const localId of missing) {
    const u = before(localId);
    if (u) yield person('deactivated', u, []);
  }
}

function person(kind: ChangeKind, u: UserRow, fields: FieldChange[]): PersonChange {
  return { kind, local_id: u.local_id, role: u.role, name: `${u.first_name} ${u.last_name}`.trim(), grade: u.grade, building: u.building, fields };
}
