import type { Db } from './db.ts';
import type { UserRow } from './user-row.ts';

/** What check-out and incidents need to know of a user (the roster owns the table). */
export type PersonRow = Pick<UserRow, 'local_id' | 'first_name' | 'last_name' | 'middle_name' | 'role' | 'grade' | 'building' | 'email' | 'active' | 'opt_out'>;

const COLUMNS = 'local_id, first_name, last_name, middle_name, role, grade, building, email, active, opt_out';

export function personByLocalId(db: Db, localId: string): PersonRow | undefined {
  return db.get<PersonRow>(`SELECT ${COLUMNS} FROM users WHERE local_id = ?`, localId);
}

/** Emails are compared without case; several users may share one (a sibling's), so all are returned. */
export function peopleByEmail(db: Db, email: string): PersonRow[] {
  return db.all<PersonRow>(`SELECT ${COLUMNS} FROM users WHERE email = ? COLLATE NOCASE AND email <> '' LIMIT 5`, email);
}
