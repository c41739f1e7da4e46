import type { RosterUser as UserRow } from '../../storage/user-store.ts';

export { CHANGE_KINDS, type ChangeKind, type FieldChange, type PersonChange } from '../../storage/import-types.ts';
import type { ChangeKind, FieldChange, PersonChange } from '../../storage/import-types.ts';

/** Fields whose change is listed; `source` is bookkeeping and `active` is the kind itself. */
const COMPARED = ['first_name', 'middle_name', 'last_name', 'role', 'grade', 'building', 'email', 'username', 'position'] as const;

/** What changes field by field when `old` becomes `next`. */
export function fieldChanges(old: UserRow, next: UserRow): FieldChange[] {
  const fields: FieldChange[] = [];
  for (const f of COMPARED) if (old[f] !== next[f]) fields.push({ field: f, old: String(old[f]), new: String(next[f]) });
  return fields;
}

/** One person behind an import's counts: added, changed, deactivated or reactivated. */
export function person(kind: ChangeKind, u: UserRow, fields: FieldChange[]): PersonChange {
  return { kind, local_id: u.local_id, role: u.role, name: `${u.first_name} ${u.last_name}`.trim(), grade: u.grade, building: u.building, fields };
}
