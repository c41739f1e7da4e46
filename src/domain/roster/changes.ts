import type { RosterUser as UserRow } from '../../storage/user-store.ts';
import type { Plan } from './diff.ts';

export { CHANGE_KINDS, type ChangeKind, type FieldChange, type PersonChange } from '../../storage/import-types.ts';
import type { ChangeKind, FieldChange, PersonChange } from '../../storage/import-types.ts';

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
